"""What a run says of its checkpoint when it fails (session 66): a run resumed from a checkpoint copy that changed
after it was read does not take it (its checkpoint.h5 is removed), and a failure before its first save said
"iterations 1..2 are kept in checkpoint.h5: rerun with --resume auto", of a file not there, whose advice started
the run over; a failure after iteration 1 said "iterations 1..1"; a `resume` naming another run's config.json
called it "the checkpoint of the run"."""

import errno
import shutil

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, run_files
from minitransfer import train as training
from minitransfer.config_checks import ConfigError
from minitransfer.data import loader
from minitransfer.run_outcome import OutOfMemoryMidRun

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu",
               checkpoint_every=2, max_iter=4)


@pytest.fixture
def finished(tmp_path, micro_data, monkeypatch):
    """The working folder: baseA trained to its end (checkpoints at 2 and 4), ck2.h5 a copy of its checkpoint at
    iteration 2."""
    def keep(done):
        if done == 3:
            shutil.copy(tmp_path / "baseA.run" / "checkpoint.h5", tmp_path / "ck2.h5")

    monkeypatch.chdir(tmp_path)
    training.train(training.TrainConfig(out="baseA.h5", data=micro_data, **OPTIONS), on_iteration=keep)
    return tmp_path


def _batches_run_out(monkeypatch, first=0):
    """Every training batch from the ``first`` on (its index: iteration - 1) runs out of memory as its crops are
    made, before the step of its iteration."""
    real_forward = loader.augment.forward

    def runs_out(images, mean, crop, train, seed, batch):
        if train and batch >= first:
            raise MemoryError("Unable to allocate the crops")
        return real_forward(images, mean, crop, train, seed, batch)

    monkeypatch.setattr(loader.augment, "forward", runs_out)


def test_a_copy_not_taken_is_not_said_to_be_kept_in_the_run_folder(finished, micro_data, monkeypatch):
    real_take, real_forward = run_files.RunFiles._take_checkpoint, loader.augment.forward

    def changed_then_taken(self, resumed):  # the copy rewritten after train read it
        with open(resumed.path, "ab") as copy:
            copy.write(b"\0")
        return real_take(self, resumed)

    monkeypatch.setattr(run_files.RunFiles, "_take_checkpoint", changed_then_taken)
    _batches_run_out(monkeypatch)
    with pytest.raises(OutOfMemoryMidRun) as caught:
        training.train(training.TrainConfig(out="baseA.h5", data=micro_data, resume="ck2.h5", **OPTIONS))
    assert not (finished / "baseA.run" / "checkpoint.h5").exists()  # the oracle: what is there
    # before: "...; iterations 1..2 are kept in baseA.run/checkpoint.h5: rerun with `resume='auto'` once more memory
    # is free", of a file not there (a rerun so started the run over)
    assert str(caught.value) == (
        "making the batch of iteration 3 ran out of memory (Unable to allocate the crops); no checkpoint of this run "
        "was kept: ck2.h5, the checkpoint of iteration 2 it resumed from, changed after the run read it and was not "
        "taken into baseA.run/checkpoint.h5; to continue from that file as it is now, rerun with `resume='ck2.h5'` "
        "once more memory is free (`resume='auto'` starts the run over)")
    assert (caught.value.checkpoint_path, caught.value.iteration) == (None, 0)
    monkeypatch.setattr(run_files.RunFiles, "_take_checkpoint", real_take)
    monkeypatch.setattr(loader.augment, "forward", real_forward)
    # as told: ck2.h5 as it is now
    resumed = training.train(training.TrainConfig(out="baseA.h5", data=micro_data, resume="ck2.h5", **OPTIONS))
    assert resumed.iterations == 4


def test_a_copy_taken_is_said_to_be_kept(finished, micro_data, monkeypatch):
    _batches_run_out(monkeypatch)
    with pytest.raises(OutOfMemoryMidRun, match=r"; iterations 1\.\.2 are kept in baseA\.run/checkpoint\.h5: rerun "
                                                r"with `resume='auto'` once more memory is free$"):
        training.train(training.TrainConfig(out="baseA.h5", data=micro_data, resume="ck2.h5", **OPTIONS))
    assert checkpoints.load(finished / "baseA.run" / "checkpoint.h5").solver.iteration == 2


@pytest.mark.parametrize("saving", ["saved", "disk full"])
def test_one_iteration_is_iteration_1(tmp_path, micro_data, monkeypatch, saving):
    monkeypatch.chdir(tmp_path)
    _batches_run_out(monkeypatch, first=1)
    if saving == "disk full":
        def full(path, checkpoint, named=None):
            raise fileio.storage_error(path, OSError(errno.ENOSPC, "No space left on device"), named=named)

        monkeypatch.setattr(checkpoints, "save", full)
    raised = OutOfMemoryMidRun if saving == "saved" else fileio.StorageError
    with pytest.raises(raised) as caught:
        training.train(training.TrainConfig(out="net.h5", data=micro_data, **OPTIONS))
    # before: "iterations 1..1 saved in" / "iterations 1..1 could not be saved (...) and are lost"
    assert "1..1" not in str(caught.value)
    expected = ("; iteration 1 saved in net.run/checkpoint.h5: rerun with `resume='auto'` once more memory is free"
                if saving == "saved" else "; iteration 1 could not be saved (cannot write net.run/checkpoint.h5: No "
                                          "space left on device")
    assert expected in str(caught.value), caught.value
    if saving == "disk full":
        assert " and is lost, as no checkpoint was written yet: " in str(caught.value), caught.value


@pytest.mark.parametrize("given", ["config.json", "checkpoint.h5"])
def test_a_file_of_another_run_given_as_resume_is_named_for_what_it_is(finished, micro_data, given):
    config = training.TrainConfig(out="other.h5", data=micro_data, resume=f"baseA.run/{given}", **OPTIONS)
    with pytest.raises(ConfigError) as caught:
        training.train(config)
    folder = finished / "baseA.run"
    if given == "checkpoint.h5":
        assert str(caught.value) == (f"`resume` baseA.run/checkpoint.h5 is the checkpoint of the run in {folder}, "
                                     f"not of other.run: continue it there, giving its run folder, "
                                     f"`resume='{folder}'`, which takes the options the run recorded")
    else:  # before: "`resume` baseA.run/config.json is the checkpoint of the run in ..."
        assert str(caught.value) == (f"`resume` baseA.run/config.json is a file of the run in {folder} "
                                     f"(config.json), not a checkpoint: to continue that run, give its run folder, "
                                     f"`resume='{folder}'`, which takes the options the run recorded and its "
                                     f"checkpoint ({folder / 'checkpoint.h5'})")
    assert not (finished / "other.run").exists()
