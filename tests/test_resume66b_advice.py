"""Advice that keeps the `resume` its user gave (session 66): a run folder (``--resume runs/mine.run``) was
taken as 'auto' and the advice said --resume auto, which, without that run's --out, continues the run of the
default name (another network, which it then offered to replace with --overwrite); a checkpoint copy
(``--resume ck2.h5``) was told --resume auto too, which continues the run's checkpoint.h5, the copy never
trained on."""

import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config as configs
from minitransfer import train as training
from minitransfer.cli import main
from test_out_of_memory import crops_fail_at

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu",
               checkpoint_every=2, max_iter=4)
RESUMED = ["--max-iter", "4", "--batch-size", "4", "--eval-every", "1", "--checkpoint-every", "2", "--device", "cpu",
           "--quiet"]


@pytest.fixture
def finished(tmp_path, micro_data, monkeypatch):
    """The working folder: runs/mine.h5 trained to its end (checkpoints at 2 and 4), ck2.h5 a copy of its
    checkpoint at iteration 2, and baseA.h5, another network (seed 1) under the default name."""
    def keep(done):
        if done == 3:  # the checkpoint of iteration 2 is the run's now
            shutil.copy(tmp_path / "runs" / "mine.run" / "checkpoint.h5", tmp_path / "ck2.h5")

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    training.train(training.TrainConfig(out="runs/mine.h5", data=micro_data, **OPTIONS), on_iteration=keep)
    training.train(training.TrainConfig(out="baseA.h5", data=micro_data, **{**OPTIONS, "seed": 1}))
    return tmp_path


def _train(*arguments):
    return CliRunner().invoke(main, ["train", *arguments, *RESUMED])


def test_the_plan_keeps_a_run_folder_given_as_resume(finished, micro_data):
    given = configs.checked(training.TrainConfig(resume="runs/mine.run", data=micro_data))
    assert (given.resume, given.out) == ("auto", "runs/mine.h5")  # taken as the run's own
    # checked twice (train checks it before it resolves it), the folder is kept
    assert configs.resolve(given, checksums=False).named.resume == "runs/mine.run"
    assert configs.resolve(training.TrainConfig(resume="auto", data=micro_data, out="runs/mine.h5"),
                           checksums=False).named.resume == "auto"


def test_damaged_weights_of_a_run_resumed_by_its_folder_advise_that_folder(finished, micro_data):
    (finished / "runs" / "mine.h5").write_text("cut short")
    result = _train("--resume", "runs/mine.run")
    assert result.exit_code == 2, result.output
    # before: "... delete runs/mine.h5 and rerun with --resume auto", which continued baseA.run (another network)
    assert result.output == ("error: --out runs/mine.h5 exists and is not a minitransfer weights file; its run is "
                             "finished (its checkpoint at iteration 4, its last); delete runs/mine.h5 and rerun with "
                             "--resume runs/mine.run: it is written again from runs/mine.run/checkpoint.h5\n")


def test_damaged_weights_of_a_run_resumed_from_a_copy_advise_that_copy(finished, micro_data):
    (finished / "runs" / "mine.h5").write_text("cut short")
    result = _train("--resume", "ck2.h5", "-o", "runs/mine.h5", "--data", micro_data, "--half", "A")
    assert result.exit_code == 2, result.output
    # before: "... its run is finished ...; delete runs/mine.h5 and rerun with --resume auto: it is written again
    # from runs/mine.run/checkpoint.h5", the copy never trained on
    assert result.output == ("error: --out runs/mine.h5 exists and is not a minitransfer weights file; its run "
                             "continues from the checkpoint ck2.h5, which writes its weights anew: move it away and "
                             "rerun with --resume ck2.h5, or choose another --out\n")


def test_a_run_resumed_by_its_folder_that_runs_out_of_memory_is_told_to_rerun_with_that_folder(tmp_path, micro_data,
                                                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()

    def stop_after_2(done):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(training.Interrupted):  # unfinished: its checkpoint at iteration 2
        training.train(training.TrainConfig(out="runs/mine.h5", data=micro_data, **OPTIONS), on_iteration=stop_after_2)
    crops_fail_at(monkeypatch, 3, MemoryError("Unable to allocate the crops"))
    result = _train("--resume", "runs/mine.run")
    assert result.exit_code == 1, result.output
    # before: "... rerun with --resume auto once more memory is free", which continued baseA.run, another network
    assert result.output.endswith("; iterations 1..3 saved in runs/mine.run/checkpoint.h5: rerun with --resume "
                                  "runs/mine.run once more memory is free\n"), result.output


def test_resume_auto_without_out_says_which_run_it_continues(finished, micro_data):
    """baseA.h5, the default name of half A's network, is another network (seed 1) than this configuration's."""
    result = _train("--resume", "auto", "--data", micro_data, "--half", "A")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: cannot resume baseA.run/checkpoint.h5 with a different configuration: "
                                    "--seed 1 -> 0"), result.output
    # before: it ended "...; give another --out, or replace this run (--overwrite, without --resume)", of a run the
    # user may never have meant (runs/mine.run, whose folder an earlier advice had turned into --resume auto)
    assert result.output.endswith("; --resume auto without --out continues the run of this configuration's default "
                                  "name, baseA.h5: to continue another run, give its run folder as --resume (e.g. "
                                  "--resume runs/baseA.run), which takes its --out and the options it recorded\n"), \
        result.output
