"""``train --resume auto`` in a folder that cannot be written, on a run with nothing to continue
from: the folder is what is at fault (exit 74), not the run."""

import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from test_faults import snapshot, tmpfs

from minitransfer.cli import main


@pytest.mark.parametrize("lost", ["checkpoint-and-result", "run-folder"])
def test_weights_without_their_checkpoint_in_a_read_only_folder_name_the_folder(micro_data, tmp_path, lost):
    """Weights whose run did not finish (no result.json) and whose checkpoint is gone, or whose run
    folder is: in a read-only folder this exited 2 with "delete or move away net.h5, or start over
    with --overwrite", both of which write; it is exit 74 naming what cannot be written, as for any
    run there with more to do than report. Weights at the run's end in its run folder without result.json
    have nothing a rerun writes: their result is said lost (exit 65, as where the folder can be written:
    test_resume_result_missing), keeping them, which writes nothing."""
    with tmpfs(tmp_path / "disk", "size=8m", "remounting a folder read-only") as disk:
        train = ["train", "--data", micro_data, "--resume", "auto", "-o", disk / "net.h5", "--max-iter", "2",
                 "--batch-size", "8", "--eval-every", "2", "--quiet", "--device", "cpu"]
        assert CliRunner().invoke(main, [str(arg) for arg in train]).exit_code == 0
        if lost == "run-folder":
            shutil.rmtree(disk / "net.run")
        else:
            for name in ("checkpoint.h5", "result.json"):
                os.unlink(disk / "net.run" / name)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        before = snapshot(disk)
        result = CliRunner().invoke(main, [str(arg) for arg in train])
        if lost == "run-folder":
            assert result.exit_code == 74, result.output
            assert result.output == f"error: cannot write {disk / 'net.run'}: Read-only file system\n", result.output
        else:
            assert result.exit_code == 65, result.output
            assert result.output.startswith(f"error: bad data: {disk / 'net.run' / 'result.json'} is not there ("), \
                result.output
        assert snapshot(disk) == before
