"""One run's folder that refuses its train.log by its permissions (chmod, another user's, chattr +i: EACCES,
EPERM) fails that run (exit 74), its transfers not run, and the grid goes on with the others; its end names the
folder and what to do. Before, it stopped the whole grid as a full disk does ("7 not started"), though no other
run needed that folder. A full disk, a read-only file system or an I/O error still stop it (test_grid_io_faults)."""

import errno
import os

import pytest
from test_grid_io_faults import fake_train, grid_refusing_base_b  # noqa: F401 (a fixture)

from minitransfer import experiment as grid


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM], ids=["chmod", "chattr"])
def test_one_unwritable_run_folder_fails_its_run_and_the_others_go_on(micro_data, tmp_path, fake_train,  # noqa: F811
                                                                      monkeypatch, code):
    out, log, result = grid_refusing_base_b(micro_data, tmp_path, fake_train, monkeypatch, code)
    assert result.exit_code == 74, result.output  # every failure an I/O error
    runs = grid.plan_grid(layers=(1,), fine_tuned=False)
    waiting = {run.name for run in runs if run.parent == "random0/baseB"}  # the oracle: the plan's copies of baseB
    others = {run.name for run in runs} - waiting - {"random0/baseB"}
    trained = {run.name for run in runs if (grid.run_dir(out, run) / "result.json").exists()}
    assert trained == others and waiting, result.output
    error = f"cannot write {log}: {os.strerror(code)}"
    assert f"\nFAILED random0/baseB (exit 74); {error}; its train did not start, the other runs go on\n" \
        in result.output, result.output
    assert f"\n  random0/baseB: its run folder cannot be written (exit 74), so its train did not start (the other " \
           f"runs went on); make it writable (the permissions, chattr -i), then rerun the same command " \
           f"(random0/baseB: \"error: {error}\")\n" in result.output, result.output
    assert f"\n{len(others)} trained, 0 already done, 1 failed, {len(waiting)} not run" in result.output, result.output
    assert "Traceback" not in result.output
