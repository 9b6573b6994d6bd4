"""A run forked by a grid's preloaded launcher whose train.log cannot be opened (its run folder moved
or deleted between the grid writing the command line there and the fork): a stdlib traceback on the
grid's stderr (the launcher's), exit 1."""

import os

from minitransfer import launcher


def test_a_log_the_forked_run_cannot_open_is_one_line_and_exit_74(tmp_path, capfd):
    log = tmp_path / "gone" / "random0" / "baseA.run" / "train.log"
    preloaded = launcher.Launcher(dict(os.environ))
    try:
        assert preloaded.start(["train", "--help"], log).wait() == 74
    finally:
        preloaded.close()
    assert capfd.readouterr().err == f"error: cannot write {log}: No such file or directory; its run did not start\n"
