"""Faults around resuming found in session 65: a run started over (`overwrite`) removed the files of the run it
replaced without syncing its folder, so that after a power cut they could come back beside the new run's; a
finished run resumed from a checkpoint copy that could not be read any more was said to fail writing its
checkpoint.h5, not reading the copy given; and one whose run folder is read-only was told to rerun with
--resume auto, which ends the finished run at once, the copy given never trained on."""

import errno
import os
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import run_files, run_lock
from minitransfer import train as training
from minitransfer.cli import main

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu",
               checkpoint_every=2, max_iter=4)
RESUMED = ["--data", None, "--max-iter", "4", "--batch-size", "4", "--eval-every", "1", "--checkpoint-every", "2",
           "--device", "cpu", "--quiet"]
OLD_FILES = ("result.json", "checkpoint.h5", "metrics.jsonl", "eval.csv", "config.json.edited")


@pytest.fixture
def finished(tmp_path, micro_data, monkeypatch):
    """The working folder: baseA trained to its end (checkpoints at 2 and 4) and ck2.h5, a copy of its
    checkpoint at iteration 2."""
    def keep(done):
        if done == 3:  # the checkpoint of iteration 2 is the run's now
            shutil.copy(tmp_path / "baseA.run" / "checkpoint.h5", tmp_path / "ck2.h5")

    monkeypatch.chdir(tmp_path)
    training.train(training.TrainConfig(out="baseA.h5", data=micro_data, **OPTIONS), on_iteration=keep)
    return tmp_path


def _resume(micro_data, resume):
    options = [micro_data if option is None else option for option in RESUMED]
    return CliRunner().invoke(main, ["train", "--resume", resume, *options])


def _lock_refused(monkeypatch):
    """baseA.run/lock refused for writing, as on a file system mounted read-only."""
    real_open = os.open

    def read_only(path, flags, *mode, **options):
        if os.fspath(path).endswith(f"baseA.run/{run_lock.RunLock.FILE}") and flags & (os.O_RDWR | os.O_WRONLY):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
        return real_open(path, flags, *mode, **options)

    monkeypatch.setattr(os, "open", read_only)


def _contents(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_a_run_started_over_syncs_its_folder_before_it_writes_anew(tmp_path, monkeypatch):
    run = tmp_path / "net.run"
    run.mkdir()
    for name in OLD_FILES:
        (run / name).write_text("the replaced run's\n")
    (tmp_path / "net.h5").write_text("its weights")
    folder = os.stat(run)
    events = []
    real_unlink, real_fsync, real_replace = os.unlink, os.fsync, os.replace

    def unlink(path, *args, **kwargs):
        events.append(("unlink", os.fspath(path)))
        return real_unlink(path, *args, **kwargs)

    def fsync(descriptor):
        synced = os.fstat(descriptor)
        events.append(("fsync", (synced.st_dev, synced.st_ino)))
        return real_fsync(descriptor)

    def replace(source, target, *args, **kwargs):
        events.append(("replace", os.fspath(target)))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    run_files.RunFiles(run, 0, fresh=True, weights=tmp_path / "net.h5")
    assert sorted(path.name for path in run.iterdir()) == ["eval.csv"] and not (tmp_path / "net.h5").exists()
    removed = max(index for index, (kind, path) in enumerate(events)
                  if kind == "unlink" and os.path.basename(path) in OLD_FILES)
    written = min(index for index, (kind, path) in enumerate(events) if kind == "replace")
    assert removed < written
    # before: the folder was synced only after eval.csv's rename, so a power cut could keep the new eval.csv
    # beside the old result.json and checkpoint.h5
    assert ("fsync", (folder.st_dev, folder.st_ino)) in events[removed:written], events


def test_a_run_started_over_whose_old_files_cannot_be_removed_is_told_to_rerun_as_asked(finished, micro_data,
                                                                                         monkeypatch):
    """Simulated: the old checkpoint's removal refused (a folder made read-only, its lock file there still)."""
    real_unlink = os.unlink

    def refusing(path, *args, **kwargs):
        if os.fspath(path).endswith("baseA.run/checkpoint.h5"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refusing)
    options = [micro_data if option is None else option for option in RESUMED]
    result = CliRunner().invoke(main, ["train", "-o", "baseA.h5", "--half", "A", "--overwrite", *options])
    assert result.exit_code == 74, result.output
    # before: "error: I/O: [Errno 13] Permission denied: '/.../baseA.run/checkpoint.h5'"; --resume auto (train's
    # advice for its other failures) continued the run --overwrite was to replace
    assert result.output == (f"error: cannot remove {finished / 'baseA.run' / 'checkpoint.h5'}: Permission denied; "
                             f"make it writable and rerun with --overwrite\n")


@pytest.mark.parametrize("fault", ["removed", "unreadable"])
def test_a_copy_that_cannot_be_read_is_named_and_the_run_left_as_it_was(finished, micro_data, monkeypatch, fault):
    run = finished / "baseA.run"
    before = _contents(run)
    real_take = run_files.RunFiles._take_checkpoint

    def refusing(path, *args, **kwargs):
        if os.fspath(path) == "ck2.h5":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return open(path, *args, **kwargs)

    def take(self, resumed):  # the copy read by the resume, then removed or made unreadable
        if fault == "removed":
            os.remove(resumed.path)
        else:
            monkeypatch.setattr(run_files, "open", refusing, raising=False)
        return real_take(self, resumed)

    monkeypatch.setattr(run_files.RunFiles, "_take_checkpoint", take)
    result = _resume(micro_data, "ck2.h5")
    assert result.exit_code == 74, result.output
    reason = "No such file or directory" if fault == "removed" else "Permission denied"
    # before: "error: cannot write baseA.run/checkpoint.h5: No such file or directory"
    assert result.output.startswith(f"error: cannot read ck2.h5, the checkpoint copy the run resumes from: {reason}"
                                    f"; "), result.output
    assert "checkpoint.h5" not in result.output and "--resume auto" not in result.output, result.output
    assert "make it writable" not in result.output and result.output.endswith("--resume ck2.h5\n"), result.output
    assert _contents(run) == before


@pytest.mark.parametrize("kept", ["its checkpoint kept", "its checkpoint deleted"])
def test_a_read_only_run_folder_resumed_from_a_copy_is_told_to_rerun_with_that_copy(finished, micro_data,
                                                                                     monkeypatch, kept):
    """Simulated (the tests may run as root, whom no permission stops): the lock file refused, as in a folder
    made read-only (chmod 555) or on a file system mounted read-only."""
    run = finished / "baseA.run"
    if kept == "its checkpoint deleted":
        (run / "checkpoint.h5").unlink()
    before = _contents(run)
    _lock_refused(monkeypatch)
    result = _resume(micro_data, "ck2.h5")
    assert result.exit_code == 74, result.output
    # before: "...; make it writable, then rerun with --resume auto to continue the run there, or --overwrite to
    # start it over" (a rerun so ended the finished run at once), or no advice where its checkpoint was deleted
    assert result.output == ("error: cannot write baseA.run/lock: Read-only file system; make it writable and rerun "
                             "with --resume ck2.h5\n")
    assert _contents(run) == before


@pytest.mark.parametrize("resume, advice", [
    ("auto", "make it writable, then rerun with --resume auto to continue the run there, or --overwrite to start it "
             "over"),
    # `--resume baseA.run` is taken as 'auto' in that folder: the advice said `--resume auto`, which without that
    # run's --out continues the run of the default name
    ("baseA.run", "make it writable and rerun with --resume baseA.run")])
def test_a_read_only_run_folder_is_told_to_rerun_as_resumed(finished, micro_data, monkeypatch, resume, advice):
    (finished / "baseA.run" / "result.json").unlink()  # unfinished: a rerun has to write
    _lock_refused(monkeypatch)
    result = _resume(micro_data, resume)
    assert result.exit_code == 74, result.output
    assert result.output == f"error: cannot write baseA.run/lock: Read-only file system; {advice}\n"
