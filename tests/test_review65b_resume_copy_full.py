"""A finished run resumed from an older checkpoint copy (`train --resume ck2.h5`) on a full disk: the copy is not
put in checkpoint.h5's place and the run is left as it was (5506c3c8), but train said "free some space and rerun
with --resume auto", which resumes checkpoint.h5, the finished run's: it ended at once as finished, the training
asked for never made. It now says to rerun with the copy."""

import errno
import os
import shutil

from click.testing import CliRunner

from minitransfer import fileio, run_files, training_run
from minitransfer import train as training
from minitransfer.cli import main

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu",
               checkpoint_every=2, max_iter=4)


def test_a_copy_not_written_for_a_full_disk_is_said_to_be_given_again(tmp_path, micro_data, monkeypatch):
    def keep(done):
        if done == 3:  # the checkpoint of iteration 2 is the run's now
            shutil.copy(tmp_path / "baseA.run" / "checkpoint.h5", tmp_path / "ck2.h5")

    monkeypatch.chdir(tmp_path)
    training.train(training.TrainConfig(out="baseA.h5", data=micro_data, **OPTIONS), on_iteration=keep)

    def full(self, resumed):
        raise fileio.storage_error(self.at(self.checkpoint), OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
                                   named=self.checkpoint)

    monkeypatch.setattr(run_files.RunFiles, "_take_checkpoint", full)
    result = CliRunner().invoke(main, ["train", "--resume", "ck2.h5", "--data", micro_data, "--max-iter", "4",
                                       "--batch-size", "4", "--eval-every", "1", "--checkpoint-every", "2",
                                       "--device", "cpu", "--quiet"])
    assert result.exit_code == 74, result.output
    assert "No space left" in result.output and "rerun with --resume ck2.h5" in result.output, result.output
    assert "--resume auto" not in result.output


def test_a_resume_from_a_copy_stopped_in_its_start_up_is_said_to_be_rerun_with_the_copy(tmp_path, micro_data,
                                                                                       monkeypatch):
    """Stopped (Ctrl-C) before the copy is put in checkpoint.h5's place, the run finished as it was: train said
    "rerun the same command with --resume auto", which ended the finished run at once, the copy not trained on."""
    def keep(done):
        if done == 3:
            shutil.copy(tmp_path / "baseA.run" / "checkpoint.h5", tmp_path / "ck2.h5")

    monkeypatch.chdir(tmp_path)
    training.train(training.TrainConfig(out="baseA.h5", data=micro_data, **OPTIONS), on_iteration=keep)

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(training_run, "build_net", stopped)  # the start-up's first step, before any file is written
    result = CliRunner().invoke(main, ["train", "--resume", "ck2.h5", "--data", micro_data, "--max-iter", "4",
                                       "--batch-size", "4", "--eval-every", "1", "--checkpoint-every", "2",
                                       "--device", "cpu", "--quiet"])
    assert result.exit_code == 75, result.output
    assert "rerun the same command, --resume ck2.h5 again, to continue" in result.output, result.output
