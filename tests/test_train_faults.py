"""``minitransfer train`` used as a researcher uses it, oddly: weights left without their run, run
files edited between runs, destinations that collide, schedules longer than the run, signals at
awkward moments. Each either works or is refused with one line naming what is at fault."""

import errno
import fcntl
import json
import os
import pathlib
import re
import shutil
import signal

import pytest
from arguments import overriding
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import file_locks, fileio, resumed_logs, run_lock, run_logs, scheduler
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.left_out import UnreadableRun

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}
FAST_OPTIONS = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--quiet", "--device", "cpu"]


def _train(out, data, **fields):
    return training.train(training.TrainConfig(out=str(out), data=data, **{**FAST, **fields}))


def _interrupted(out, data, after, **fields):
    """Train ``out`` until SIGINT stops it after iteration ``after``; its run folder."""
    def stop(done):
        if done == after:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(out=str(out), data=data, **{**FAST, **fields}), on_iteration=stop)
    return out.with_suffix(".run")


def test_weights_without_their_run_say_how_to_train_again_without_overwrite(micro_data, tmp_path):
    """An experiment's grid has no --overwrite: its train.log must also name the other way, removing
    the weights file (the message used to offer --overwrite alone)."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[:1]
    options = {"data": micro_data, "max_iter": 4, "seed": 0, "device": "cpu"}
    out = tmp_path / "grid"
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    weights = out / "random0" / "baseA.h5"
    shutil.rmtree(out / "random0" / "baseA.run")
    outcome = scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01)
    assert outcome.failed == ["random0/baseA"]
    log = (out / "random0" / "baseA.run" / "train.log").read_text()
    assert f"to train it again, delete or move away {weights}, or start over with --overwrite" in log, log


def _files(folder):
    """Every file under ``folder``: its bytes and modification time, to show nothing was written."""
    return {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in sorted(folder.rglob("*")) if path.is_file()}


def _finished_without_checkpoint(out, data, **fields):
    """``out`` trained to the end, then its checkpoint deleted to save space, as after a grid."""
    finished = _train(out, data, **fields)
    (out.with_suffix(".run") / "checkpoint.h5").unlink()
    return finished


def test_a_finished_run_whose_checkpoint_was_deleted_is_already_finished(micro_data, tmp_path):
    """Its weights and result.json say it finished: --resume auto (a SLURM task's rerun) reported it,
    like the local grid, instead of refusing it for lacking the checkpoint (exit 2)."""
    out = tmp_path / "baseA.h5"
    finished = _finished_without_checkpoint(out, micro_data)
    before = _files(tmp_path)
    again = _train(out, micro_data, resume="auto")
    assert again.mean10_top1 == finished.mean10_top1 and again.iterations == finished.iterations
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), "--resume", "auto",
                                       *[option for option in FAST_OPTIONS if option != "--quiet"]])
    assert result.exit_code == 0, result.output
    assert f"{out} is already finished (mean of all 2 evaluations " in result.output
    assert "nothing to do" in result.output
    assert _files(tmp_path) == before


def test_a_finished_run_without_its_checkpoint_moved_elsewhere_is_already_finished(micro_data, tmp_path):
    """Its weights name the `out` they were written as: moved with its run folder, a run whose
    checkpoint was deleted is known by the name beside it, as its checkpoint would have been."""
    finished = _finished_without_checkpoint(tmp_path / "before" / "baseA.h5", micro_data)
    (tmp_path / "before").rename(tmp_path / "after")
    before = _files(tmp_path)
    assert _train(tmp_path / "after" / "baseA.h5", micro_data, resume="auto").mean10_top1 == finished.mean10_top1
    assert _files(tmp_path) == before


def test_a_finished_run_without_its_checkpoint_refuses_other_options_naming_them(micro_data, tmp_path):
    """Its weights record the configuration: another one is refused as a checkpoint's would be."""
    out = tmp_path / "baseA.h5"
    _finished_without_checkpoint(out, micro_data)
    before = _files(tmp_path)
    with pytest.raises(training.ConfigError, match=f"cannot resume {out} with a different configuration: "
                                                   f"`max_iter` 4 -> 6"):
        _train(out, micro_data, resume="auto", max_iter=6)
    assert _files(tmp_path) == before


@pytest.mark.parametrize("fault", ["weights of iteration 2", "unreadable result.json"])
def test_a_run_without_its_checkpoint_that_did_not_finish_is_refused_as_before(micro_data, tmp_path, fault):
    """Weights short of max_iter (a checkpoint copied in their place) do not say the run finished: nothing to
    resume from (exit 2), as before. A result.json that cannot be read, the weights at max_iter, was refused
    so too: exit 2 (usage), advising to delete the finished network, where info and experiment exit 65
    naming result.json; now it is bad data (65) too, named, the weights kept (eval scores them)."""
    out = tmp_path / "baseA.h5"
    run = _interrupted(out, micro_data, 2, checkpoint_every=2)
    shutil.copyfile(run / "checkpoint.h5", tmp_path / "at-2.h5")
    _finished_without_checkpoint(out, micro_data, resume="auto", checkpoint_every=2)
    if fault == "unreadable result.json":
        (run / "result.json").write_text("{")
    else:
        shutil.copyfile(tmp_path / "at-2.h5", out)
    before = _files(tmp_path)
    if fault == "unreadable result.json":
        result, checkpoint = (re.escape(str(path)) for path in (run / "result.json", run / "checkpoint.h5"))
        with pytest.raises(UnreadableRun, match=rf"^{result}: not valid JSON .*checkpoint {checkpoint} is gone, .*"
                                                rf"keep {re.escape(str(out))} ") as refused:
            _train(out, micro_data, resume="auto", checkpoint_every=2)
        assert not isinstance(refused.value, training.ConfigError)
    else:
        with pytest.raises(training.ConfigError, match="exists but there is nothing to resume from"):
            _train(out, micro_data, resume="auto", checkpoint_every=2)
    assert _files(tmp_path) == before


@pytest.mark.parametrize("extra_row", [2, 3], ids=["repeated", "not-evaluated"])
def test_a_resume_refuses_eval_rows_the_run_did_not_write(micro_data, tmp_path, extra_row):
    """A row of eval.csv repeated, or added at an iteration the run did not evaluate, used to be kept
    and counted by result.json (its best, its mean of 10 best, its number of evaluations)."""
    run_dir = _interrupted(tmp_path / "net.h5", micro_data, after=5, max_iter=8)
    eval_csv = run_dir / "eval.csv"
    with eval_csv.open("a") as rows:
        rows.write(f"{extra_row},0.99,1.0,0.1\n")
    before = eval_csv.read_text()
    with pytest.raises(resumed_logs.RunLogError, match=rf"net.run/eval.csv has rows at iteration {extra_row} that the "
                                                 rf"run did not write .*result.json would count them"):
        _train(tmp_path / "net.h5", micro_data, max_iter=8, resume="auto")
    assert eval_csv.read_text() == before and not (tmp_path / "net.h5").exists()


@pytest.mark.parametrize("config_json", ['{"out": "net', "[" * 100_000, '{"out": ""}'],
                         ids=["truncated", "nested-too-deep", "empty-out"])
def test_a_resume_reads_past_a_damaged_config_json_and_writes_it_again(micro_data, tmp_path, config_json):
    """config.json, read before a resume for the weights file it names: nested 100,000 deep it
    ended the resume in a RecursionError, and one naming no weights file refused it as the run of
    the folder that holds it; like a truncated one each is now no record, and rewritten."""
    run_dir = _interrupted(tmp_path / "net.h5", micro_data, after=5, max_iter=8)
    (run_dir / "config.json").write_text(config_json)
    result = _train(tmp_path / "net.h5", micro_data, max_iter=8, resume="auto")
    assert result.iterations == 8 and (tmp_path / "net.h5").exists()
    assert json.loads((run_dir / "config.json").read_text())["out"] == str(tmp_path / "net.h5")


def test_resume_auto_after_the_dataset_moved_says_so_not_that_fc8_differs(micro_data, tmp_path, monkeypatch):
    """Rerun without `data` once the dataset's folder was moved: the run fell back on the built-in
    set, and the refusal used to be about fc8's shape (10 classes there, 2 in the half trained), then
    listed `data` and fc8 as changed; it names the folder gone (tests/test_resume_gone.py)."""
    moved = tmp_path / "moved"
    shutil.copytree(micro_data, tmp_path / "data")
    _interrupted(tmp_path / "net.h5", str(tmp_path / "data"), after=3, max_iter=8)
    (tmp_path / "data").rename(moved)
    other = tmp_path / "builtin"
    synthetic.build_synthetic(other, classes=20, train_per_class=2, val_per_class=1, size=14, seed=0)
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: other)
    with pytest.raises(training.ConfigError, match=rf"^cannot resume {tmp_path}/net.run/checkpoint.h5: the dataset "
                                                   rf"it was trained on, {tmp_path}/data, is not there now \(moved or "
                                                   rf"deleted\); give its folder where it is now as `data`$"):
        _train(tmp_path / "net.h5", None, max_iter=8, resume="auto")
    assert _train(tmp_path / "net.h5", str(moved), max_iter=8, resume="auto").iterations == 8


@pytest.mark.parametrize("ending", ["/", "/."])
def test_out_ending_in_a_slash_is_refused_not_written_as_a_file(micro_data, tmp_path, ending):
    """`-o sub/` wrote the weights to a file named sub (pathlib drops the slash), and sub.run beside it."""
    with pytest.raises(training.ConfigError, match=r"`out` .*/sub/\.? names a folder \(it ends in /\); name the "
                                                   r"weights file in it, e.g. .*/sub/net\.h5"):
        _train(f"{tmp_path / 'sub'}{ending}", micro_data)
    assert not (tmp_path / "sub").exists() and not (tmp_path / "sub.run").exists()
    result = CliRunner().invoke(main, ["train", "--data", str(micro_data), "-o", f"{tmp_path / 'sub'}{ending}",
                                       *FAST_OPTIONS])
    assert result.exit_code == 2 and "--out" in result.output, result.output


def _folder_bytes(folder):
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("name", ["x.h5", "checkpoint.h5", "lock", "sub/x.h5"])
def test_out_inside_another_runs_directory_is_refused(micro_data, tmp_path, name):
    """-o baseA.run/checkpoint.h5 --overwrite used to replace baseA's checkpoint with another
    network; -o baseA.run/lock wrote weights where the next run of baseA takes its lock; any name
    there nested a run inside a folder that `overwrite` or a user's rm deletes with baseA's."""
    _train(tmp_path / "baseA.h5", micro_data)
    before = _folder_bytes(tmp_path / "baseA.run")
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "baseA.run" / name),
                                       "--overwrite", *FAST_OPTIONS])
    assert result.exit_code == 2, result.output
    assert f"lies inside {tmp_path / 'baseA.run'}, the run directory of another run; write the weights beside " \
           f"it instead" in result.output
    assert _folder_bytes(tmp_path / "baseA.run") == before


@pytest.mark.parametrize("name, fields, warned", [
    ("A4B.h5", {"half": "A"}, "(baseA); report lists it as A4B"),
    ("A2B+.h5", {"n": 2, "frozen": True}, "(A2B); report lists it as A2B+"),
    ("A2B.h5", {"n": 2, "frozen": True}, None),
    ("baseA.h5", {"split": "natural", "half": "A"}, None),  # experiment's natural/baseA.h5
    ("mine.h5", {"half": "A"}, None),
], ids=["base-as-A4B", "frozen-as-fine-tuned", "A2B", "natural-baseA", "own-name"])
def test_out_named_as_another_network_of_the_paper_is_warned_about(micro_data, tmp_path, capsys, name, fields,
                                                                     warned):
    """report lists runs by their file name, beside the treatment their config.json records: a base
    trained as -o A4B.h5 (or a frozen transfer as A2B+.h5, --fine-tune forgotten) showed up
    unannounced as a run 'A4B' of treatment base."""
    if "n" in fields:
        fields = {**fields, "copy_from": str(_train(tmp_path / "baseA.h5", micro_data, half="A").out)}
    capsys.readouterr()
    _train(tmp_path / "runs" / name, micro_data, quiet=False, **fields)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "the paper's name" in line]
    if warned is None:
        assert warnings == []
    else:
        assert warnings == [f"warning: `out={tmp_path / 'runs' / name}` is the paper's name of another network than "
                            f"this run trains {warned}, beside the treatment its config.json records"]


def test_copy_from_the_checkpoint_of_outs_own_run_is_refused(micro_data, tmp_path):
    """-o baseA.h5 --overwrite --copy-from baseA.run/checkpoint.h5 used to delete the checkpoint it
    copied from and write its own there: the weights recorded as the source were gone."""
    base = tmp_path / "baseA.h5"
    _train(base, micro_data, half="A")
    before = _folder_bytes(tmp_path)
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(base), "--overwrite", "--copy-from",
                                       str(tmp_path / "baseA.run" / "checkpoint.h5"), "--n", "2", *FAST_OPTIONS])
    assert result.exit_code == 2, result.output
    assert f"--copy-from {tmp_path}/baseA.run/checkpoint.h5 is a file of {tmp_path}/baseA.run, the run directory " \
           f"of --out {base}: training would delete what it copies; choose another --out" in result.output
    assert _folder_bytes(tmp_path) == before


@pytest.mark.parametrize("out_name", ["net.h5", "other.h5"], ids=["same-name-elsewhere", "other-name"])
def test_resume_from_another_runs_checkpoint_says_where_to_continue_it(micro_data, tmp_path, out_name):
    """--resume X/net.run/checkpoint.h5 with -o Y/net.h5 (the same name in another folder) passed
    the configuration check, then was refused as if Y/net.run had lost its eval.csv rows: 'restore
    the file'. The run continues where its logs are."""
    run_dir = _interrupted(tmp_path / "X" / "net.h5", micro_data, after=5, max_iter=8)
    (tmp_path / "Y").mkdir()
    with pytest.raises(training.ConfigError, match=rf"^`resume` {run_dir}/checkpoint.h5 is the checkpoint of the "
                                                   rf"run in {run_dir}, not of {tmp_path}/Y/{out_name[:-3]}.run: "
                                                   rf"continue it there, giving its run folder, "
                                                   rf"`resume='{run_dir}'`, which takes the options the run "
                                                   rf"recorded$"):
        _train(tmp_path / "Y" / out_name, micro_data, max_iter=8, resume=str(run_dir / "checkpoint.h5"))
    assert sorted(path.name for path in (tmp_path / "Y").iterdir()) == []
    # as told, with none of the run's options given (the built-in data, its half, ...): the run goes on, to its end
    training.train(training.TrainConfig(resume=str(run_dir), device="cpu", quiet=True))
    assert checkpoints.load(tmp_path / "X" / "net.h5").iteration == 8


def test_an_unreadable_run_checkpoint_says_how_to_start_over(micro_data, tmp_path):
    """--resume auto on a cut-off checkpoint.h5 was refused without a way out: --overwrite with
    --resume auto continues a checkpoint, and an experiment's grid has neither to change."""
    run_dir = _interrupted(tmp_path / "net.h5", micro_data, after=3, max_iter=8)
    checkpoint = run_dir / "checkpoint.h5"
    checkpoint.write_bytes(checkpoint.read_bytes()[:5000])
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--resume",
                                       "auto", *overriding(FAST_OPTIONS, "--max-iter", "8")])
    assert result.exit_code == 65, result.output
    assert result.output.startswith(f"error: bad data: checkpoint {checkpoint}: corrupt or incomplete")
    assert result.output.endswith(f"; the run cannot continue from it: to start it over, rerun without --resume, "
                                  f"with --overwrite, or delete {run_dir}\n")
    fresh = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--overwrite",
                                      *overriding(FAST_OPTIONS, "--max-iter", "8")])
    assert fresh.exit_code == 0, fresh.output


def test_a_resumed_run_may_checkpoint_more_often(micro_data, tmp_path):
    """A run that lost hours to a crash is resumed with a shorter --checkpoint-every: it used to be
    refused as 'a different configuration', though checkpoints do not change the numbers."""
    _interrupted(tmp_path / "net.h5", micro_data, after=3, max_iter=8, checkpoint_every=100)
    resumed = _train(tmp_path / "net.h5", micro_data, max_iter=8, checkpoint_every=2, resume="auto")
    straight = _train(tmp_path / "straight.h5", micro_data, max_iter=8, checkpoint_every=100)
    assert resumed.mean10_top1 == straight.mean10_top1
    a, b = checkpoints.load(tmp_path / "net.h5").weights, checkpoints.load(tmp_path / "straight.h5").weights
    assert all((a[name][0] == b[name][0]).all() and (a[name][1] == b[name][1]).all() for name in a)
    assert json.loads((tmp_path / "net.run" / "config.json").read_text())["checkpoint_every"] == 2


def test_a_loader_process_killed_mid_run_keeps_the_iterations_done(micro_data, tmp_path):
    """The out-of-memory killer ends a loader process at iteration 3 of a run checkpointed every
    100: the 3 iterations are saved and the message says to resume (they were lost, and the
    message said nothing of resuming); the resumed run ends where an uninterrupted one does."""
    from minitransfer.data.decoder_pool import WorkerDied

    def killed_at_3(done):
        if done == 3:
            raise WorkerDied("a data loader process died (exit codes [-9])")

    out = tmp_path / "net.h5"
    options = dict(FAST, data=micro_data, seed=4, checkpoint_every=100)
    with pytest.raises(WorkerDied, match=r"exit codes \[-9\]\); the 3 iterations done are saved in .*checkpoint.h5: "
                                         r"rerun with `resume='auto'` to continue \(with fewer `workers`"):
        training.train(training.TrainConfig(out=str(out), **options), on_iteration=killed_at_3)
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").iteration == 3
    training.train(training.TrainConfig(out=str(out), resume="auto", **options))
    training.train(training.TrainConfig(out=str(tmp_path / "whole.h5"), **options))
    resumed, whole = checkpoints.load(out), checkpoints.load(tmp_path / "whole.h5")
    assert all((a == b).all() for name in whole.weights for a, b in zip(resumed.weights[name], whole.weights[name]))


def _flock_failing_with(code):
    """An fcntl.flock that fails with errno ``code`` on every call, as on a file system without locks."""
    def flock(descriptor, operation):
        raise OSError(code, os.strerror(code))
    return flock


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP], ids=["ENOSYS", "ENOLCK", "EOPNOTSUPP"])
def test_a_file_system_without_locks_trains_and_prepares_with_one_warning(micro_data, tmp_path, monkeypatch,
                                                                         code):
    """Lustre mounted without -o flock answers flock with ENOSYS, NFS without its lock daemon with
    ENOLCK: every train, prepare and grid ended with "error: I/O: [Errno 38] Function not
    implemented" (exit 74), naming nothing. They go on without locks, as HDF5 does, after one
    warning naming the folder."""
    monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())
    monkeypatch.setattr(fcntl, "flock", _flock_failing_with(code))
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    loud = [option for option in FAST_OPTIONS if option != "--quiet"]  # --quiet prints no warning either
    result = CliRunner().invoke(main, ["train", "--data", str(data), "-o", str(tmp_path / "net.h5"), *loud])
    assert result.exit_code == 0, result.output
    warning = (f"warning: the file system of {data} does not support file locks (flock: {os.strerror(code)}): "
               f"going on without them")
    assert result.output.count("warning: ") == 1 and warning in result.output, result.output
    assert checkpoints.load(tmp_path / "net.h5").meta["iteration"] == 4
    assert not (tmp_path / "net.run" / run_lock.RunLock.FILE).exists()
    assert run_lock.holder(tmp_path / "net.run") is None
    monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())
    prepared = CliRunner().invoke(main, ["prepare", "synthetic", str(tmp_path / "other"), "--classes", "4",
                                         "--train-per-class", "4", "--val-per-class", "2", "--size", "14"])
    assert prepared.exit_code == 0 and prepared.output.count("does not support file locks") == 1, prepared.output


def test_another_lock_error_is_an_io_error_naming_the_lock(micro_data, tmp_path, monkeypatch):
    """flock failing otherwise (EIO) is exit 74 naming the lock file (it said "[Errno 5]" alone)."""
    monkeypatch.setattr(fcntl, "flock", _flock_failing_with(errno.EIO))
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), *FAST_OPTIONS])
    assert result.exit_code == 74, result.output
    assert result.output == (f"error: cannot lock {pathlib.Path(micro_data) / run_lock.RunLock.FILE}: "
                             "Input/output error\n")


@pytest.mark.parametrize("how", ["deleted", "moved"])
def test_a_run_folder_moved_or_deleted_mid_run_stops_it_not_a_second_partial_folder(micro_data, tmp_path, how):
    """A run whose folder went away by hand used to write on into a new folder of the same name:
    checkpoints, eval.csv without its header or earlier rows, a result.json counting only those, no
    lock, no config.json, exit 0; and its lock's release removed whatever lock file was there then."""
    run_dir = tmp_path / "net.run"

    def move_away(done):
        if done == 3:
            if how == "deleted":
                shutil.rmtree(run_dir)
            else:
                os.rename(run_dir, tmp_path / "moved.run")

    with pytest.raises(training.fileio.StorageError, match=r"net.run was moved or deleted while the run wrote to "
                                                           r"it; .*put it back and rerun with `resume='auto'`"):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data,
                                            **{**FAST, "max_iter": 8, "checkpoint_every": 3}),
                       on_iteration=move_away)
    assert not run_dir.exists() and not (tmp_path / "net.h5").exists()


def test_a_lock_released_after_its_folder_moved_leaves_the_new_folders_lock_file(tmp_path):
    """The release unlinked ``<name>/lock`` whatever file it then was: a run started in a new folder
    of the moved one's name lost its lock file, and a third process could take a lock of its own."""
    first = run_lock.RunLock(tmp_path / "net.run").__enter__()
    os.rename(tmp_path / "net.run", tmp_path / "moved.run")
    with run_lock.RunLock(tmp_path / "net.run"):
        first.__exit__(None, None, None)
        assert run_lock.holder(tmp_path / "net.run") == os.getpid()


def test_a_run_starting_removes_only_its_own_weights_temporaries_from_a_shared_folder(micro_data, tmp_path):
    """A run removed every temporary of a process not running here from its weights' folder: on a
    cluster, where runs of one grid on other nodes write there, their weights mid-write (their PIDs
    mean nothing on this node) were lost."""
    elsewhere = 2**22 + 1  # above Linux's pid_max: a PID no process here has
    own = tmp_path / f".net.h5.tmp-{elsewhere}"
    other = tmp_path / f".baseB.h5.tmp-{elsewhere}"
    for path in (own, other):
        path.write_bytes(b"half a file")
    _train(tmp_path / "net.h5", micro_data)
    assert not own.exists() and other.read_bytes() == b"half a file"


class _FullFile:
    """stderr redirected to a file on a full disk (``2> train.log`` over its quota): every write fails."""

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass

    def fileno(self):
        raise OSError(errno.EBADF, "not a real file")

    def isatty(self):
        return False


def test_a_progress_display_on_a_full_disk_is_dropped_and_the_run_trains_on(micro_data, tmp_path, monkeypatch):
    """The display's own write failing on a full disk (a job's log on a home over quota, while the
    run's folder has room) ended the run with an I/O error, its iterations since the last
    checkpoint lost: a display whose reader had gone was dropped, one that could not be written not."""
    monkeypatch.setattr("sys.stderr", _FullFile())
    result = _train(tmp_path / "net.h5", micro_data, quiet=False)
    monkeypatch.undo()
    assert result.evaluations == 2 and (tmp_path / "net.h5").exists()
    assert [row["iteration"] for row in run_logs.read_eval_rows(tmp_path / "net.run" / "eval.csv")] == [2, 4]


def test_every_log_line_up_to_a_checkpoint_is_synced_to_disk_before_it(micro_data, tmp_path, monkeypatch):
    """eval.csv's and metrics.jsonl's appends were left to the kernel's writeback, the checkpoint
    after them fsynced: a machine down just after it (power, a node rebooted) could keep the
    checkpoint and lose rows it counts on, a resume then refused for lacking them."""
    events, append, fsync = [], training.fileio.append_text, os.fsync

    def appending(path, text, named=None):
        append(path, text, named)
        events.append(("append", pathlib.Path(path).name))

    def syncing(descriptor):
        fsync(descriptor)
        events.append(("fsync", pathlib.Path(os.readlink(f"/proc/self/fd/{descriptor}")).name))

    monkeypatch.setattr(training.fileio, "append_text", appending)
    monkeypatch.setattr(os, "fsync", syncing)
    _train(tmp_path / "net.h5", micro_data, max_iter=6, checkpoint_every=3, log_every=1)
    monkeypatch.undo()
    checkpoint = ("fsync", fileio.temporary_path("checkpoint.h5").name)
    checkpoints_synced = [at for at, event in enumerate(events) if event == checkpoint]
    assert len(checkpoints_synced) == 2
    for at in checkpoints_synced:
        for log in ("eval.csv", "metrics.jsonl"):
            appended = max(index for index, event in enumerate(events[:at]) if event == ("append", log))
            assert ("fsync", log) in events[appended:at], (log, events[:at])


def test_a_run_whose_lock_file_was_removed_stops_before_a_second_run_mixes_its_files(micro_data, tmp_path):
    """A lock file removed by hand (to "unstick" a run) let a second process lock a new one and train
    into the same folder, while the first went on writing there: two runs mixed in one folder."""
    run_dir = tmp_path / "net.run"

    def unlock(done):
        if done == 3:
            (run_dir / "lock").unlink()

    with pytest.raises(training.fileio.StorageError, match=r"net.run/lock: this run's lock was removed, replaced "
                                                           r"or taken .* another process may be training into"):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data,
                                            **{**FAST, "max_iter": 8, "checkpoint_every": 2}), on_iteration=unlock)
    assert checkpoints.load(run_dir / "checkpoint.h5").iteration == 2
    assert [row["iteration"] for row in run_logs.read_eval_rows(run_dir / "eval.csv")] == [2]


def test_a_second_run_on_a_file_system_without_locks_stops_the_first_before_they_mix(micro_data, tmp_path,
                                                                                      monkeypatch):
    """Without locks (Lustre without -o flock) a second process took the run's lock as well, writing
    its PID in the lock file, and both trained into one folder: the first now stops, naming it."""
    monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())
    monkeypatch.setattr(fcntl, "flock", _flock_failing_with(errno.ENOLCK))
    run_dir, second = tmp_path / "net.run", 2**22 + 1

    def second_process_starts(done):
        if done == 3:  # as its RunLock does
            (run_dir / "lock").write_text(f"{second}\n")

    with pytest.raises(training.fileio.StorageError, match=rf"net.run/lock: this run's lock was .* taken by another "
                                                           rf"process .* training into .*net.run \(PID {second}\)"):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data,
                                            **{**FAST, "max_iter": 8, "checkpoint_every": 2}),
                       on_iteration=second_process_starts)
    assert checkpoints.load(run_dir / "checkpoint.h5").iteration == 2
    assert (run_dir / "lock").read_text() == f"{second}\n"


def test_an_eval_csv_saved_by_a_spreadsheet_is_resumed_from(micro_data, tmp_path):
    """eval.csv opened in a spreadsheet and saved as "CSV UTF-8" (a byte-order mark before the
    header, CRLF line ends) made the resume refuse the header as not eval.csv's."""
    run_dir = _interrupted(tmp_path / "net.h5", micro_data, after=5, max_iter=8)
    eval_csv = run_dir / "eval.csv"
    rows = eval_csv.read_text()
    eval_csv.write_bytes(b"\xef\xbb\xbf" + rows.replace("\n", "\r\n").encode())
    result = _train(tmp_path / "net.h5", micro_data, max_iter=8, resume="auto")
    assert result.evaluations == 4 and eval_csv.read_text().startswith(rows)


def test_an_eval_csv_removed_mid_run_stops_it_rather_than_start_a_headless_one(micro_data, tmp_path):
    """eval.csv deleted while the run trained: its next row started a new file without header or
    earlier rows, and result.json counted only the rows since."""
    run_dir = tmp_path / "net.run"

    def remove_eval_csv(done):
        if done == 3:
            (run_dir / "eval.csv").unlink()

    with pytest.raises(fileio.StorageError, match=r"net.run/eval.csv was removed while the run wrote to it"):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data,
                                            **{**FAST, "max_iter": 8}), on_iteration=remove_eval_csv)
    assert not (run_dir / "eval.csv").exists() and not (run_dir / "result.json").exists()


def test_out_a_link_to_a_weights_file_trains_beside_the_file_it_leads_to(micro_data, tmp_path):
    """-o baseA.h5, a link to /scratch/baseA.h5: a resume started a second run in baseA.run beside the
    link instead of continuing the one beside the file, and its weights replaced the link; so did
    `overwrite`, leaving the file the link led to, and its run, behind."""
    (tmp_path / "scratch").mkdir()
    target, link = tmp_path / "scratch" / "baseA.h5", tmp_path / "baseA.h5"
    link.symlink_to(target)  # the run is started: its weights are not written yet
    _interrupted(target, micro_data, after=2, max_iter=4)
    resumed = _train(link, micro_data, resume="auto")
    assert resumed.out == str(target) and resumed.run_dir == str(tmp_path / "scratch" / "baseA.run")
    assert link.is_symlink() and checkpoints.is_checkpoint(link) and not (tmp_path / "baseA.run").exists()
    _train(link, micro_data, overwrite=True, seed=1)
    assert link.is_symlink() and checkpoints.load(link).meta["config"]["seed"] == 1
    assert not (tmp_path / "baseA.run").exists()


@pytest.mark.parametrize("below", [False, True], ids=["link", "folder-below-link"])
def test_out_through_a_link_that_leads_nowhere_is_refused_as_the_command_line_refuses_it(micro_data, tmp_path, below):
    """`out` a link into a folder that is not there (a drive not mounted), or a file in a folder that
    is such a link: the first trained into folders created beneath the mount point, the second failed
    with a bare "File exists". Refused before anything is written, naming the link."""
    target = tmp_path / "unmounted" / ("scratch" if below else "baseA.h5")
    link = tmp_path / "link"
    link.symlink_to(target)
    out = link / "baseA.h5" if below else link
    named, why = (f"{out}: {link}", target) if below else (link, f"{target.parent}, the folder of {target},")
    with pytest.raises(training.ConfigError) as refused:
        _train(out, micro_data)
    assert str(refused.value).startswith(f"`out` {named} is a symbolic link that leads nowhere ({why} does not "
                                         f"exist): give another `out`"), refused.value
    assert sorted(os.listdir(tmp_path)) == ["link"]


def test_a_divergence_names_the_iteration_as_metrics_jsonl_counts_it(micro_data, tmp_path):
    """The loss of the 4th iteration became NaN: the diagnostic said "at iteration 3" with the 4th's
    rate, beside metrics.jsonl's row for iteration 3, whose loss was finite and rate another."""
    with pytest.raises(training.Diverged, match=r"^loss became nan at iteration 4 \(lr 0\.3\)"):
        _train(tmp_path / "d.h5", micro_data, base_lr=3, max_iter=12, eval_every=100, log_every=1)
    *records, diverged = run_logs.read_metrics(tmp_path / "d.run" / "metrics.jsonl")
    rows = [record for record in records if "event" not in record]  # the training's rows (not its BLAS threads')
    assert [row["iteration"] for row in rows] == [1, 2, 3] and rows[-1]["lr"] == 3
    assert diverged["event"] == "diverged" and diverged["iteration"] == 4
