"""One mistake, one exit code: with the dataset a network was trained on moved away, `train --copy-from X3Y.h5
--n 2` exited 2 and `eval X3Y.h5` 65, both asking for --data. Nothing is at fault in any dataset or file (65 bad
data: a dataset, archive, checkpoint ... at fault, named); an option is wanted, as for a --data folder not there
(2 in both): usage, 2, in both now, and eval --help lists it there."""

import shutil

from click.testing import CliRunner
from exit_code_entries import exit_code_entries

from minitransfer.cli import main
from minitransfer.data import synthetic


def test_a_networks_dataset_moved_is_a_usage_error_in_train_copy_from_and_in_eval(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    synthetic.build_synthetic(tmp_path / "X", classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    synthetic.build_synthetic(tmp_path / "Y", classes=2, train_per_class=4, val_per_class=2, size=14, seed=2)
    common = ["--max-iter", "1", "--eval-every", "1", "--batch-size", "4", "--device", "cpu", "--quiet"]
    for arguments in (["--data", "X", "--split", "all", "-o", "baseX.h5"],
                      ["--data", "Y", "--copy-from", "baseX.h5", "--n", "3", "-o", "X3Y.h5"]):
        trained = CliRunner().invoke(main, ["train", *arguments, *common])
        assert trained.exit_code == 0, trained.output
    shutil.move(tmp_path / "Y", tmp_path / "Y-moved")
    copied = CliRunner().invoke(main, ["train", "--copy-from", "X3Y.h5", "--n", "2", "-o", "t.h5", *common],
                                terminal_width=1000)
    scored = CliRunner().invoke(main, ["eval", "X3Y.h5"], terminal_width=1000)
    for refused in (copied, scored):
        assert len(refused.stderr.splitlines()) == 1 and "--data" in refused.stderr, refused.output
        assert str(tmp_path / "Y") in refused.stderr and "Traceback" not in refused.output, refused.output
    assert (copied.exit_code, scored.exit_code) == (2, 2), (copied.output, scored.output)
    usage = exit_code_entries(CliRunner().invoke(main, ["eval", "--help"], terminal_width=1000).output)[2]
    assert "the dataset it was trained on gone from its folder" in usage, usage
    assert CliRunner().invoke(main, ["eval", "X3Y.h5", "--data", "Y-moved", "--device", "cpu"]).exit_code == 0
