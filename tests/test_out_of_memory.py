"""Running out of memory part-way through a run (a fake MemoryError injected, as NumPy or CuPy raise
it): between two iterations (an evaluation, the next batch made) the iterations done are saved and
a resumed run ends with an uninterrupted run's bits; inside a training step (its update possibly
part-applied) nothing is saved and the last checkpoint stays as it was."""

import errno
import re

import pytest
from click.testing import CliRunner

import cuda_emulator
from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, optim, training_run
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import loader
from minitransfer.data.dataset import DatasetError
from minitransfer.net import Net
from minitransfer.run_outcome import OutOfMemoryMidRun
from minitransfer.run_logs import read_metrics
from minitransfer.run_files import RunFiles, RunFolderChanged
from minitransfer.step import OutOfDeviceMemory
from minitransfer.run_failures import MORE_MEMORY

# evaluations after iterations 2, 4 and 6; checkpoints after 3 and 6; metrics.jsonl's row of every iteration
FIELDS = {"batch_size": 8, "max_iter": 6, "eval_every": 2, "checkpoint_every": 3, "log_every": 1, "seed": 4,
          "quiet": True, "device": "cpu"}
OPTIONS = ["--batch-size", "8", "--max-iter", "6", "--eval-every", "2", "--checkpoint-every", "3", "--seed", "4",
           "--quiet", "--device", "cpu"]


def _train(out, data, on_iteration=None, **fields):
    config = training.TrainConfig(out=str(out), data=data, **{**FIELDS, **fields})
    return training.train(config, on_iteration=on_iteration)


@pytest.fixture(scope="module")
def whole_out(micro_data, tmp_path_factory):
    """The oracle: the same run trained without a fault (its weights file; its run folder beside)."""
    out = tmp_path_factory.mktemp("whole") / "net.h5"
    _train(out, micro_data)
    return out


@pytest.fixture(scope="module")
def whole(whole_out):
    """The oracle's weights."""
    return checkpoints.load(whole_out).weights


def _resumes_whole(out, micro_data, monkeypatch, whole, kept):
    """The run's checkpoint holds iteration ``kept``; with the fault undone, `resume='auto'` ends with
    the uninterrupted run's bits (``whole``)."""
    assert checkpoints.load(_checkpoint(out)).solver.iteration == kept
    monkeypatch.undo()
    _train(out, micro_data, resume="auto")
    assert _same_bits(out, whole)


def _same_bits(path, weights):
    saved = checkpoints.load(path).weights
    return saved.keys() == weights.keys() and all((a == b).all() for name in weights
                                                  for a, b in zip(saved[name], weights[name]))


def _checkpoint(out):
    return out.with_suffix(".run") / "checkpoint.h5"


def _evaluation_runs_out(monkeypatch, nth, message):
    """The ``nth`` evaluation runs out of memory with ``message``; returns the list of evaluations
    made, for a fake to tell whether that one has failed yet."""
    real_evaluate, calls = training_run.evaluate, []

    def nth_runs_out(*args, **kwargs):
        calls.append(1)
        if len(calls) == nth:
            raise MemoryError(message)
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(training_run, "evaluate", nth_runs_out)
    return calls


def test_out_of_memory_in_an_evaluation_saves_its_iteration_and_resumes_to_the_same_bits(micro_data, tmp_path,
                                                                                         monkeypatch, whole):
    """The evaluation after iteration 4 runs out of memory (the checkpoint is at 3): iteration 4 is
    saved, exit 1 says to resume with a smaller --eval-batch-size; it lost iteration 4 and said nothing
    of resuming."""
    _evaluation_runs_out(monkeypatch, 2, "Unable to allocate 2.00 GiB for an array with shape (8, 96, 55, 55)")
    out = tmp_path / "net.h5"
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS])
    assert result.exit_code == 1, result.output
    assert (f"error: out of memory: the evaluation after iteration 4 ran out of memory (Unable to allocate 2.00 GiB "
            f"for an array with shape (8, 96, 55, 55)): a batch of --eval-batch-size 8 is too large for the memory "
            f"available; iterations 1..4 saved in {_checkpoint(out)}: rerun with --resume auto and a smaller "
            f"--eval-batch-size") in result.output
    assert checkpoints.load(_checkpoint(out)).solver.iteration == 4
    monkeypatch.undo()
    resumed = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS, "--resume", "auto",
                                        "--eval-batch-size", "4"])  # as the message says
    assert resumed.exit_code == 0, resumed.output
    assert _same_bits(out, whole)
    evaluated = (out.with_suffix(".run") / "eval.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in evaluated] == ["2", "4", "6"]  # the one that ran out made again


def test_out_of_memory_making_a_batch_saves_the_cursor_before_it(micro_data, tmp_path, monkeypatch, whole):
    """The crops of iteration 5's batch fail to allocate after the loader counted that batch
    delivered: the checkpoint continues with it (a cursor one batch on would skip it on resume)."""
    real_forward, failed = loader.augment.forward, []

    def fifth_batch_runs_out(images, mean, crop, train, seed, batch):
        if train and batch == 4 and not failed:
            failed.append(batch)
            raise MemoryError("Unable to allocate the crops")
        return real_forward(images, mean, crop, train, seed, batch)

    monkeypatch.setattr(loader.augment, "forward", fifth_batch_runs_out)
    out = tmp_path / "net.h5"
    with pytest.raises(OutOfMemoryMidRun, match=r"^making the batch of iteration 5 ran out of memory \(Unable to "
                                                r"allocate the crops\); iterations 1\.\.4 saved in .*checkpoint\.h5: "
                                                r"rerun with `resume='auto'` once more memory is free$"):
        _train(out, micro_data)
    saved = checkpoints.load(_checkpoint(out)).solver
    assert (saved.iteration, saved.cursor["batch"]) == (4, 4)
    _train(out, micro_data, resume="auto")
    assert _same_bits(out, whole)


@pytest.mark.parametrize("error, raised, opening", [
    (MemoryError("Unable to allocate the update"), OutOfMemoryMidRun,
     r"the training step of iteration 5 ran out of memory \(Unable to allocate the update\)"),
    (OutOfDeviceMemory("out of GPU memory: a training step ...; lower `batch_size`"), OutOfDeviceMemory,
     r"out of GPU memory: a training step \.\.\.; lower `batch_size`"),  # a ConfigError (exit code 2), as before
], ids=["host", "gpu"])
def test_out_of_memory_inside_a_training_step_keeps_the_last_checkpoint_as_it_was(micro_data, tmp_path, monkeypatch,
                                                                                  whole, error, raised, opening):
    """The solver runs out of memory in iteration 5, after updating conv1 only: those weights are
    not saved; the checkpoint of iteration 3 is kept, named, and resumes to the uninterrupted bits."""
    real_step, kept = optim.step, {}

    def runs_out_in_iteration_5(params, solver, iteration, **kwargs):
        if iteration == 4:
            params[0].data += 1.0  # part of the update applied
            raise error
        return real_step(params, solver, iteration, **kwargs)

    def keep_checkpoint_of_3(done):
        if done == 4:
            kept["bytes"] = _checkpoint(out).read_bytes()

    monkeypatch.setattr(optim, "step", runs_out_in_iteration_5)
    out = tmp_path / "net.h5"
    with pytest.raises(raised, match=rf"^{opening}; its update is not saved \(the weights may be part-updated\); the "
                                     rf"last checkpoint, of iteration 3, is kept in .*checkpoint\.h5: rerun with "
                                     rf"`resume='auto'` once more memory is free, or start over with a smaller "
                                     rf"`batch_size` \(`overwrite=True`\)$") as caught:
        _train(out, micro_data, on_iteration=keep_checkpoint_of_3)
    if raised is OutOfMemoryMidRun:  # the checkpoint a rerun continues from, for a caller to read
        assert (caught.value.checkpoint_path, caught.value.iteration) == (_checkpoint(out), 3)
    assert _checkpoint(out).read_bytes() == kept["bytes"]
    monkeypatch.setattr(optim, "step", real_step)
    _train(out, micro_data, resume="auto")
    assert _same_bits(out, whole)


@pytest.mark.parametrize("nth, done, kept", [(2, 4, 3), (1, 2, 0)], ids=["checkpoint-kept", "none-yet"])
def test_out_of_memory_again_while_saving_names_the_checkpoint_kept(micro_data, tmp_path, monkeypatch, whole, nth,
                                                                     done, kept):
    """The evaluation after iteration ``done`` runs out of memory, and so does the snapshot of the
    weights saving its iterations (on a GPU it allocates): the error says they could not be saved and
    names the last checkpoint, as it was (or says there is none); the second MemoryError escaped raw."""
    evaluations = _evaluation_runs_out(monkeypatch, nth, "Unable to allocate the scores")
    real_snapshot, before = training_run.snapshot, {}

    def runs_out_after_the_evaluation(*args, **kwargs):
        if len(evaluations) == nth:
            before["bytes"] = _checkpoint(out).read_bytes() if kept else None
            raise MemoryError("Unable to allocate the snapshot")
        return real_snapshot(*args, **kwargs)

    monkeypatch.setattr(training_run, "snapshot", runs_out_after_the_evaluation)
    out = tmp_path / "net.h5"
    # those after the checkpoint kept: "iterations 1..4 could not be saved" beside iteration 3's kept read as all lost
    unsaved = f"iteration {done}" if done == kept + 1 else rf"iterations {kept + 1}\.\.{done}"
    opening = (rf"^the evaluation after iteration {done} ran out of memory \(Unable to allocate the scores\): a batch "
               rf"of `eval_batch_size=8` is too large for the memory available; {unsaved} could not be "
               rf"saved \(MemoryError \(Unable to allocate the snapshot\)\)")
    kept_words = (rf"; the last checkpoint, of iteration {kept}, is kept in .*checkpoint\.h5: rerun with "
                  rf"`resume='auto'` and a smaller `eval_batch_size`$" if kept
                  else r" and are lost, as no checkpoint was written yet: rerun with a smaller `eval_batch_size`$")
    with pytest.raises(OutOfMemoryMidRun, match=opening + kept_words) as caught:
        _train(out, micro_data)
    assert (caught.value.checkpoint_path, caught.value.iteration) == ((_checkpoint(out), kept) if kept else (None, 0))
    if not kept:
        assert not _checkpoint(out).exists()
        return
    assert _checkpoint(out).read_bytes() == before["bytes"]  # as it was when saving failed
    _resumes_whole(out, micro_data, monkeypatch, whole, kept=kept)


@pytest.mark.parametrize("phase", ["forward", "backward"])
def test_out_of_memory_before_a_steps_update_saves_the_iteration_before(micro_data, tmp_path, monkeypatch, whole,
                                                                        phase):
    """Iteration 5's forward or backward pass runs out of memory (the gradients assigned so far
    poisoned): the update has not begun, the weights and momentum are iteration 4's, and they are
    saved (nothing was, the checkpoint of 3 kept); resumed, the run ends with the uninterrupted bits."""
    real_forward, real_backward, training_iteration = Net.forward, Net.backward, []

    def runs_out_in_iteration_5(net, running):
        if running == phase and training_iteration[-1] == 4:
            for param in net.params:
                param.grad = param.data * 0 + 7.0
            raise MemoryError(f"Unable to allocate the {phase} pass")

    def forward(net, x, labels, train, iteration=0, seed=0):
        training_iteration.append(iteration if train else None)
        runs_out_in_iteration_5(net, "forward")
        return real_forward(net, x, labels, train, iteration, seed)

    def backward(net):
        runs_out_in_iteration_5(net, "backward")
        return real_backward(net)

    monkeypatch.setattr(Net, "forward", forward)
    monkeypatch.setattr(Net, "backward", backward)
    out = tmp_path / "net.h5"
    with pytest.raises(OutOfMemoryMidRun, match=rf"^the training step of iteration 5 ran out of memory \(Unable to "
                                                rf"allocate the {phase} pass\); iterations 1\.\.4 saved in "
                                                rf".*checkpoint\.h5: rerun with `resume='auto'` once more memory is "
                                                rf"free, or start over with a smaller `batch_size` "
                                                rf"\(`overwrite=True`\)$"):
        _train(out, micro_data)
    _resumes_whole(out, micro_data, monkeypatch, whole, kept=4)


def test_out_of_memory_making_a_due_checkpoint_saves_it_once_memory_is_freed(micro_data, tmp_path, monkeypatch,
                                                                               whole):
    """The snapshot of the checkpoint due after iteration 3 runs out of memory once (on a GPU it
    allocates): a bare MemoryError escaped, naming no checkpoint; now the run stops as between two
    iterations, its second try, with the failed one's memory freed, saving iteration 3."""
    real_snapshot, failed = training_run.snapshot, []

    def runs_out_once_at_3(net, plan, done, cursor):
        if done == 3 and not failed:
            failed.append(done)
            raise MemoryError("Unable to allocate the snapshot")
        return real_snapshot(net, plan, done, cursor)

    monkeypatch.setattr(training_run, "snapshot", runs_out_once_at_3)
    out = tmp_path / "net.h5"
    with pytest.raises(OutOfMemoryMidRun, match=r"^saving the checkpoint of iteration 3 ran out of memory \(Unable to "
                                                r"allocate the snapshot\); iterations 1\.\.3 saved in "
                                                r".*checkpoint\.h5: rerun with `resume='auto'` once more memory is "
                                                r"free$"):
        _train(out, micro_data)
    _resumes_whole(out, micro_data, monkeypatch, whole, kept=3)


def _iteration_rows(out):
    """metrics.jsonl's rows of the iterations (not its events), without their times."""
    return [(row["iteration"], row["loss"], row["top1"], row["lr"])
            for row in read_metrics(out.with_suffix(".run") / "metrics.jsonl") if "event" not in row]


def test_out_of_memory_writing_a_metrics_row_logs_it_before_its_checkpoint(micro_data, tmp_path, monkeypatch,
                                                                          whole_out):
    """Memory runs out writing metrics.jsonl's row of iteration 4: the checkpoint saved at 4 had
    the run continue at 5, so that row was lost for good (rows 1, 2, 3, 5, 6); now it is logged
    before the checkpoint, and the resumed run's rows are the uninterrupted run's, each once."""
    real_log, failed = RunFiles.log, []

    def row_of_4_runs_out(self, record):
        if record.get("iteration") == 4 and "event" not in record and not failed:
            failed.append(record)
            raise MemoryError("Unable to allocate the row")
        return real_log(self, record)

    monkeypatch.setattr(RunFiles, "log", row_of_4_runs_out)
    out = tmp_path / "net.h5"
    with pytest.raises(OutOfMemoryMidRun, match=r"^logging iteration 4 ran out of memory \(Unable to allocate the "
                                                r"row\); iterations 1\.\.4 saved in .*checkpoint\.h5"):
        _train(out, micro_data)
    assert checkpoints.load(_checkpoint(out)).solver.iteration == 4
    monkeypatch.undo()
    _train(out, micro_data, resume="auto")
    expected = _iteration_rows(whole_out)
    assert 4 in [row[0] for row in expected]
    assert _iteration_rows(out) == expected


def _disk_full_at(monkeypatch, iteration):
    """The disk is full when the checkpoint of ``iteration`` is written."""
    real_save = checkpoints.save

    def full_at(path, checkpoint, named=None):
        if checkpoint.solver.iteration == iteration:
            raise fileio.storage_error(path, OSError(errno.ENOSPC, "No space left on device"), named=named)
        return real_save(path, checkpoint, named)

    monkeypatch.setattr(checkpoints, "save", full_at)


def test_out_of_memory_then_a_full_disk_while_saving_exits_74_naming_the_checkpoint_kept(micro_data, tmp_path,
                                                                                         monkeypatch, whole):
    """The evaluation after iteration 4 runs out of memory, and the disk is full when iteration 4 is
    saved: exit 74 (I/O), what to free, then rerun with --resume auto; it was exit 1, an out of
    memory error, whose advice (a smaller --eval-batch-size) alone could not make the rerun work."""
    _evaluation_runs_out(monkeypatch, 2, "Unable to allocate the scores")
    _disk_full_at(monkeypatch, 4)
    out = tmp_path / "net.h5"
    checkpoint = _checkpoint(out)
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS])
    assert result.exit_code == 74, result.output
    assert "Traceback" not in result.output
    assert re.search(rf"^error: the evaluation after iteration 4 ran out of memory \(Unable to allocate the scores\): "
                     rf".*; iteration 4 could not be saved \(cannot write {re.escape(str(checkpoint))}: No space "
                     rf"left on device \([^;]*\)\); the last checkpoint, of iteration 3, is kept in "
                     rf"{re.escape(str(checkpoint))}: free some space and rerun with --resume auto and a smaller "
                     rf"--eval-batch-size$", result.output.strip())
    assert checkpoints.load(checkpoint).solver.iteration == 3
    monkeypatch.undo()
    resumed = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS, "--resume", "auto",
                                        "--eval-batch-size", "4"])
    assert resumed.exit_code == 0, resumed.output
    assert _same_bits(out, whole)


def _stop_after_5(done):
    if done == 5:
        raise KeyboardInterrupt  # as SIGINT after iteration 5


def crops_fail_at(monkeypatch, failing, error):
    """The crops of training batch ``failing`` raise ``error``."""
    real_forward = loader.augment.forward

    def fails(images, mean, crop, train, seed, batch):
        if train and batch == failing:
            raise error
        return real_forward(images, mean, crop, train, seed, batch)

    monkeypatch.setattr(loader.augment, "forward", fails)


def _data_fails_at_5(monkeypatch):
    """The crops of iteration 5's batch cannot be read: a shard damaged after the checks."""
    crops_fail_at(monkeypatch, 5, DatasetError("train-0.h5: damaged after it was checked; rerun prepare"))


def _snapshot_runs_out(monkeypatch):
    real_snapshot = training_run.snapshot

    def runs_out_at_5(net, plan, done, cursor):
        if done == 5:
            raise MemoryError("Unable to allocate the snapshot")
        return real_snapshot(net, plan, done, cursor)

    monkeypatch.setattr(training_run, "snapshot", runs_out_at_5)


@pytest.mark.parametrize("stopped, opening, remedy", [
    ("signal", r"KeyboardInterrupt: stopped after iteration 5", ""),
    ("data", r"train-0\.h5: damaged after it was checked; rerun prepare", " once the data is repaired"),
], ids=["signal", "data"])
@pytest.mark.parametrize("fails, raised, words", [
    ("memory", OutOfMemoryMidRun, r"MemoryError \(Unable to allocate the snapshot\)\); the last checkpoint, of "
                                  r"iteration 3, is kept in .*checkpoint\.h5: rerun with `resume='auto'`"),
    ("disk", fileio.StorageError, r"cannot write .*checkpoint\.h5: No space left on device \([^;]*\)\); the last "
                                  r"checkpoint, of iteration 3, is kept in .*checkpoint\.h5: free some space and "
                                  r"rerun with `resume='auto'`"),
], ids=["memory", "disk"])
def test_a_stop_whose_save_fails_says_what_was_not_saved(micro_data, tmp_path, monkeypatch, whole, stopped, opening,
                                                          remedy, fails, raised, words):
    """A stop request, or the data failing, after iteration 5 saves iterations 4..5 first, and that
    save runs out of memory (on a GPU the snapshot allocates) or meets a full disk: the bare
    MemoryError escaped (exit 1, "a smaller --batch-size needs less"), the full disk did not say the
    run was stopped, nor which checkpoint was kept. Now it is OutOfMemoryMidRun (1) or StorageError
    (74) naming both, and the checkpoint kept resumes to the uninterrupted bits."""
    if stopped == "data":
        _data_fails_at_5(monkeypatch)
    if fails == "memory":
        _snapshot_runs_out(monkeypatch)
        remedy = remedy or MORE_MEMORY
    else:
        _disk_full_at(monkeypatch, 5)
    out = tmp_path / "net.h5"
    with pytest.raises(raised, match=rf"^{opening}; iterations 4\.\.5 could not be saved \({words}"
                                     rf"{re.escape(remedy)}$") as caught:
        _train(out, micro_data, on_iteration=_stop_after_5 if stopped == "signal" else None)
    if raised is OutOfMemoryMidRun:
        assert (caught.value.checkpoint_path, caught.value.iteration) == (_checkpoint(out), 3)
    _resumes_whole(out, micro_data, monkeypatch, whole, kept=3)


def test_out_of_memory_writing_the_weights_says_the_checkpoint_holds_every_iteration(micro_data, tmp_path, monkeypatch,
                                                                                      whole):
    """The weights file's snapshot runs out of memory once the last checkpoint is written: a bare
    MemoryError said to lower the batch size (training again from the start); the checkpoint holds
    all 6 iterations, and --resume auto writes the weights."""
    out = tmp_path / "net.h5"
    real_save = checkpoints.save

    def weights_run_out(path, checkpoint, named=None):
        if path == str(out):
            raise MemoryError("Unable to allocate the weights file's image")
        return real_save(path, checkpoint, named)

    monkeypatch.setattr(checkpoints, "save", weights_run_out)
    with pytest.raises(OutOfMemoryMidRun, match=rf"^writing the weights file {re.escape(str(out))} ran out of memory "
                                                rf"\(Unable to allocate the weights file's image\); iterations 1\.\.6 "
                                                rf"are kept in .*checkpoint\.h5: rerun with `resume='auto'` once more "
                                                rf"memory is free$"):
        _train(out, micro_data)
    assert not out.exists()
    monkeypatch.undo()
    _train(out, micro_data, resume="auto")
    assert _same_bits(out, whole)


def _step_runs_out_at_6(monkeypatch):
    """Iteration 6's forward pass runs out of memory: before its update, so iterations 4..5 are saved."""
    real_forward = Net.forward

    def forward(net, x, labels, train, iteration=0, seed=0):
        if train and iteration == 5:
            raise MemoryError("Unable to allocate the forward pass")
        return real_forward(net, x, labels, train, iteration, seed)

    monkeypatch.setattr(Net, "forward", forward)


def _rename_folder(run_dir):
    run_dir.rename(run_dir.with_name("elsewhere.run"))
    return (rf"{re.escape(str(run_dir))} was moved or deleted while the run wrote to it; stopped rather than start a "
            rf"second, partial run folder there: put it back and rerun with `resume='auto'`, or start over with "
            rf"`overwrite=True`")


def _delete_eval_csv(run_dir):
    (run_dir / "eval.csv").unlink()
    return (rf"{re.escape(str(run_dir / 'eval.csv'))} was removed while the run wrote to it: its earlier rows \(which "
            rf"result\.json counts\) are not there; stopped rather than log on without them: put the run's file back "
            rf"and rerun with `resume='auto'`, or start the run over with `overwrite=True`")


@pytest.mark.parametrize("stopped, opening", [
    ("signal", r"KeyboardInterrupt: stopped after iteration 5"),
    ("data", r"train-0\.h5: damaged after it was checked; rerun prepare"),
    ("memory", r"the training step of iteration 6 ran out of memory \(Unable to allocate the forward pass\)"),
], ids=["signal", "data", "memory"])
@pytest.mark.parametrize("change", [_rename_folder, _delete_eval_csv], ids=["folder-renamed", "eval-csv-deleted"])
def test_a_save_after_a_stop_refused_as_the_run_folder_changed_gives_that_advice_alone(micro_data, tmp_path,
                                                                                         monkeypatch, stopped,
                                                                                         opening, change):
    """The run folder is renamed, or its eval.csv deleted, after iteration 5; then a stop request,
    the data failing or memory running out saves iterations 4..5, which the folder's check refuses:
    its advice was wrapped in parentheses and followed by a second, wrong one (to resume from the
    checkpoint in the folder, moved away). Now what stopped the run, then the check's words once."""
    {"data": _data_fails_at_5, "memory": _step_runs_out_at_6}.get(stopped, lambda patch: None)(monkeypatch)
    out = tmp_path / "net.h5"
    words = []

    def changed_after_5(done):
        if done == 5:
            words.append(change(out.with_suffix(".run")))
            if stopped == "signal":
                _stop_after_5(done)

    with pytest.raises(RunFolderChanged) as caught:
        _train(out, micro_data, on_iteration=changed_after_5)
    assert re.fullmatch(rf"{opening}; {words[0]}", str(caught.value)), str(caught.value)
    assert isinstance(caught.value, fileio.StorageError)  # exit code 74, as the CLI maps it


@pytest.fixture
def emulated_gpu(monkeypatch, tmp_path_factory):
    """Training on the CPU emulation of a GPU (tests/cuda_emulator.py), whose CuPy stand-in's
    OutOfMemoryError is MemoryError: the plain CUDA step turns it into OutOfDeviceMemory."""
    if not cuda_emulator.AVAILABLE:
        pytest.skip(cuda_emulator.REASON)
    cuda_emulator.install(monkeypatch, cuda_emulator.cache_dir(tmp_path_factory))


_WHOLE_ON_GPU = []


@pytest.fixture
def whole_on_gpu(emulated_gpu, micro_data, tmp_path_factory):
    """The oracle on the emulated GPU: the run trained there without a fault (its weights), once."""
    if not _WHOLE_ON_GPU:
        out = tmp_path_factory.mktemp("whole-gpu") / "net.h5"
        _train(out, micro_data, device="cuda")
        _WHOLE_ON_GPU.append(checkpoints.load(out).weights)
    return _WHOLE_ON_GPU[0]


def _gpu_step_runs_out_at_5(monkeypatch, phase):
    """Iteration 5's ``phase`` (forward, backward or solver) runs out of GPU memory, the gradients
    assigned so far, or conv1's update, applied first."""
    real = {"forward": Net.forward, "backward": Net.backward, "solver": optim.step}
    training_iteration = []

    def runs_out(running, params):
        if running == phase and training_iteration[-1] == 4:
            for param in params:
                param.grad = param.data * 0 + 7.0
            if phase == "solver":
                params[0].data += 1.0
            raise MemoryError("out of memory")  # the stand-in's cupy.cuda.memory.OutOfMemoryError

    def forward(net, x, labels, train, iteration=0, seed=0):
        training_iteration.append(iteration if train else None)
        runs_out("forward", net.params)
        return real["forward"](net, x, labels, train, iteration, seed)

    def backward(net):
        runs_out("backward", net.params)
        return real["backward"](net)

    def step(params, solver, iteration, **kwargs):
        runs_out("solver", params)
        return real["solver"](params, solver, iteration, **kwargs)

    monkeypatch.setattr(Net, "forward", forward)
    monkeypatch.setattr(Net, "backward", backward)
    monkeypatch.setattr(optim, "step", step)


# OutOfDeviceMemory's words, as step.py words them: an independent copy
GPU_RAN_OUT = (r"out of GPU memory: a training step of micro at batch size 8 \(precision [a-z0-9]+\) needs more than "
               r"[0-9.]+ GiB \([^;]*\); the GPU has [0-9.]+ GiB free of [0-9.]+ GiB")


@pytest.mark.parametrize("phase", ["forward", "backward", "solver"])
def test_out_of_gpu_memory_before_a_plain_steps_update_saves_the_iteration_before(micro_data, tmp_path, whole_on_gpu,
                                                                                   phase):
    """A plain CUDA step of iteration 5 runs out of GPU memory in its forward or backward pass: the
    update has not begun, so iterations 1..4 are saved, and the run resumes to the uninterrupted
    run's bits; it saved nothing and said "the weights may be part-updated". Run out in the
    solver, it still saves nothing and keeps the checkpoint of 3. An OutOfDeviceMemory (exit 2)."""
    out = tmp_path / "net.h5"
    if phase == "solver":
        said = (rf"{GPU_RAN_OUT}; lower `batch_size`; its update is not saved \(the weights may be part-updated\); "
                rf"the last checkpoint, of iteration 3, is kept in .*")
    else:
        said = rf"the training step of iteration 5 ran out of memory \({GPU_RAN_OUT}\); iterations 1\.\.4 saved in .*"
    with pytest.MonkeyPatch.context() as faults:
        _gpu_step_runs_out_at_5(faults, phase)
        with pytest.raises(OutOfDeviceMemory, match=rf"^{said}checkpoint\.h5: rerun with `resume='auto'` once more "
                                                    rf"memory is free, or start over with a smaller `batch_size` "
                                                    rf"\(`overwrite=True`\)$"):
            _train(out, micro_data, device="cuda")
    assert checkpoints.load(_checkpoint(out)).solver.iteration == (3 if phase == "solver" else 4)
    _train(out, micro_data, device="cuda", resume="auto")
    assert _same_bits(out, whole_on_gpu)
