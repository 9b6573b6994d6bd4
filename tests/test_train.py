"""The training loop (minitransfer/train.py) on the CPU with the mini preset and a small synthetic set:
transfer and freezing, exact resume after an interruption, divergence, bad input."""

import json
import os
import pathlib
import re
import shutil
import signal

import h5py
import numpy as np
import pytest
from oracles import WEIGHT_LAYERS

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, run_lock
from minitransfer import config, config_checks, counter_rng, evaluate, models, run_lines, rundir, training_run, transfer
from minitransfer import train as training
from minitransfer.checkpoint_check import MAX_ABS_WEIGHT
from minitransfer.checkpoint_identity import network_sha256
from minitransfer.data import dataset as datasets
from minitransfer.data import loader as loaders
from minitransfer.data import splits, synthetic
from minitransfer.result_digests import RESULT_SHA256

FAST = {"batch_size": 16, "max_iter": 6, "eval_every": 3, "quiet": True, "device": "cpu"}  # GPU tests pass their own


@pytest.fixture(scope="module")
def data(synthetic_8):
    return synthetic_8


@pytest.fixture(scope="module")
def base_a(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("base") / "baseA.h5"
    training.train(training.TrainConfig(out=str(out), data=data, half="A", seed=3, **FAST))
    return out


def _weights(path):
    return checkpoints.load(path).weights


def _same(a, b):
    return np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def _initial_weights(outputs, seed):
    net = models.mini(outputs)
    net.initialize(seed)
    return net.weights()


def test_base_run_writes_weights_and_run_files(base_a):
    run_dir = base_a.with_name("baseA.run")
    saved = checkpoints.load(base_a)
    assert saved.iteration == 6 and saved.solver is None  # the momentum is the run folder's checkpoint.h5's alone
    assert checkpoints.load(run_dir / "checkpoint.h5").solver.iteration == 6
    assert saved.meta["split_half"] == "A" and saved.meta["n_copied"] == 0 and not any(saved.frozen.values())
    assert len(saved.classes) == 4 and saved.meta["config"]["stepsize"] == 1  # round(100000·6/450000)
    eval_rows = (run_dir / "eval.csv").read_text().splitlines()
    assert eval_rows[0] == "iteration,top1,top5,loss" and [r.split(",")[0] for r in eval_rows[1:]] == ["3", "6"]
    metrics = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert {"iteration", "loss", "lr", "top1"} <= set(next(m for m in metrics if "event" not in m))
    result = json.loads((run_dir / "result.json").read_text())
    tops = [float(r.split(",")[1]) for r in eval_rows[1:]]
    assert result["best_top1"] == max(tops) and result["mean10_top1"] == pytest.approx(np.mean(tops))
    assert result["final"]["top1"] == tops[-1]
    written = os.stat(base_a)
    assert result["weights"] == {"sha256": fileio.sha256_file(base_a), "size": written.st_size,
                                 "mtime_ns": written.st_mtime_ns, "network_sha256": network_sha256(saved)}
    assert json.loads((run_dir / "config.json").read_text())["max_iter"] == 6
    initial = _initial_weights(4, seed=3)
    assert all(not _same(saved.weights[name], initial[name]) for name in WEIGHT_LAYERS)


def test_the_weights_sha256_result_json_records_is_trusted_while_the_file_is_as_written(base_a, data, tmp_path):
    """A grid checks each base its transfers copied by sha256 without reading it while the file keeps
    the size and mtime train recorded; a run finished before the record was kept is still finished."""
    shutil.copytree(base_a.with_name("baseA.run"), tmp_path / "baseA.run")
    out = tmp_path / "baseA.h5"
    shutil.copy2(base_a, out)  # the time kept, as `cp -a` of a grid keeps it
    recorded = json.loads((tmp_path / "baseA.run" / "result.json").read_text())
    assert rundir.recorded_sha256(out, os.stat(out)) == recorded["weights"]["sha256"] == fileio.sha256_file(out)
    with h5py.File(out, "a") as f:  # edited in place: another network, another mtime
        f["weights/conv1/W"][0, 0, 0, 0] += 1.0
    assert rundir.recorded_sha256(out, os.stat(out)) is None
    shutil.copy2(base_a, out)
    del recorded["weights"], recorded[RESULT_SHA256]  # as written before either was recorded
    (tmp_path / "baseA.run" / "result.json").write_text(json.dumps(recorded))
    assert rundir.recorded_sha256(out, os.stat(out)) is None
    finished = training.train(training.TrainConfig(out=str(out), data=data, half="A", seed=3,
                                                   resume="auto", **FAST))
    assert finished.weights is None and finished.mean10_top1 == recorded["mean10_top1"]


def test_the_summary_lines_say_how_many_evaluations_the_mean_of_the_best_is_over(base_a, data, tmp_path, capsys):
    """With fewer than 10 evaluations mean10_top1 is the mean of them all: the closing line and the
    'already finished' line say so, in the words of the report (results.md, findings.md) for the same
    metric (before, "mean of the 2 best (2 evaluations)" where the report said "mean of all 2
    evaluations"); from 10 on they keep the paper's words."""
    shutil.copytree(base_a.with_name("baseA.run"), tmp_path / "baseA.run")
    shutil.copy2(base_a, tmp_path / "baseA.h5")
    again = training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=data, half="A", seed=3,
                                                resume="auto", **{**FAST, "quiet": False}))
    assert again.evaluations == 2
    assert f"is already finished (mean of all 2 evaluations {again.mean10_top1:.4f}); nothing to do" in \
        capsys.readouterr().err
    training.train(training.TrainConfig(out=str(tmp_path / "once.h5"), data=data, half="A", seed=3,
                                        **{**FAST, "max_iter": 2, "quiet": False}))
    assert ", its one evaluation " in capsys.readouterr().err
    assert [run_lines.run_metric_words(count) for count in (10, 12)] == ["mean of 10 best"] * 2


def test_frozen_transfer_keeps_copied_layers_bit_identical(base_a, data, tmp_path):
    out = tmp_path / "A4B.h5"
    training.train(training.TrainConfig(out=str(out), data=data, copy_from=str(base_a), n=4, frozen=True, **FAST))
    base, a4b = _weights(base_a), _weights(out)
    for name in WEIGHT_LAYERS:
        assert _same(a4b[name], base[name]) == (name in WEIGHT_LAYERS[:4]), name
    saved = checkpoints.load(out)
    assert saved.meta["split_half"] == "B", "copying from a base of half A trains on half B"
    assert saved.meta["n_copied"] == 4 and saved.meta["n_frozen"] == 4
    assert [saved.frozen[name] for name in WEIGHT_LAYERS] == [True] * 4 + [False] * 4
    assert saved.meta["parent_sha256"] == fileio.sha256_file(base_a)
    assert np.array_equal(saved.mean, checkpoints.load(base_a).mean), "the mean image follows the copied layers"
    assert saved.meta["mean_source"]["kind"] == "checkpoint"


def test_fine_tuned_transfer_changes_all_eight_layers(base_a, data, tmp_path):
    out = tmp_path / "A4B+.h5"
    training.train(training.TrainConfig(out=str(out), data=data, copy_from=str(base_a), n=4, **FAST))
    base, tuned = _weights(base_a), _weights(out)
    assert all(not _same(tuned[name], base[name]) for name in WEIGHT_LAYERS)
    assert not any(checkpoints.load(out).frozen.values())


def test_transfer_starts_from_copies_below_and_fillers_above(base_a, data, tmp_path):
    plan = training.resolve(training.TrainConfig(out=str(tmp_path / "x.h5"), data=data, copy_from=str(base_a),
                                                 n=3, frozen=True, seed=5, **FAST))
    net = transfer.build_net(plan)
    base, fresh = _weights(base_a), _initial_weights(4, seed=5)
    for name, layer in zip(WEIGHT_LAYERS, net.weight_layers):
        start = (layer.weight.data, layer.bias.data)
        assert _same(start, base[name] if name in WEIGHT_LAYERS[:3] else fresh[name]), name
    assert net.frozen == (True,) * 3 + (False,) * 5


@pytest.mark.parametrize("n", [-1, 8, 2.5])
def test_copy_layers_takes_only_the_papers_n(base_a, n):
    """transfer.copy_layers from a notebook: n = -1 would copy every layer but fc8, 2.5 three."""
    net = models.mini(4)
    net.initialize(0)
    with pytest.raises(ValueError, match=rf"net mini: can copy 0..7 layers, got {n!r}"):
        transfer.copy_layers(net, checkpoints.load(base_a), n)
    assert all(_same(net.weights()[name], _initial_weights(4, seed=0)[name]) for name in WEIGHT_LAYERS)


def test_random_frozen_layers_keep_their_random_start(data, tmp_path):
    out = tmp_path / "random2A.h5"
    training.train(training.TrainConfig(out=str(out), data=data, random_frozen=2, seed=7, **FAST))
    trained, initial = _weights(out), _initial_weights(4, seed=7)
    for name in WEIGHT_LAYERS:
        assert _same(trained[name], initial[name]) == (name in ("conv1", "conv2")), name
    assert checkpoints.load(out).meta["random_frozen"] is True


def _velocities(path):
    """The momentum of the run of weights file ``path``: its run folder's checkpoint.h5 holds it."""
    return checkpoints.load(path.with_suffix(".run") / "checkpoint.h5").solver.velocity


def test_interrupted_and_resumed_run_is_bitwise_identical(data, tmp_path):
    options = dict(data=data, half="B", seed=11, batch_size=16, max_iter=8, eval_every=3, quiet=True)
    straight = tmp_path / "straight.h5"
    training.train(training.TrainConfig(out=str(straight), **options))

    resumed = tmp_path / "resumed.h5"

    def interrupt(done):
        if done == 4:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(training.Interrupted) as stopped:
        training.train(training.TrainConfig(out=str(resumed), **options), on_iteration=interrupt)
    assert stopped.value.iteration == 4 and not resumed.exists()
    assert checkpoints.load(stopped.value.checkpoint_path).solver.iteration == 4
    training.train(training.TrainConfig(out=str(resumed), resume="auto", **options))

    a, b = _weights(straight), _weights(resumed)
    va, vb = _velocities(straight), _velocities(resumed)
    for name in WEIGHT_LAYERS:
        assert _same(a[name], b[name]), name
        assert _same(va[name], vb[name]), name
    csv = lambda path: path.with_suffix(".run").joinpath("eval.csv").read_text()  # noqa: E731
    assert csv(straight) == csv(resumed)

    def metrics(path):
        rows = [json.loads(line)
                for line in path.with_suffix(".run").joinpath("metrics.jsonl").read_text().splitlines()]
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    assert metrics(straight) == metrics(resumed)


def test_resume_refuses_a_changed_configuration(data, tmp_path):
    out = tmp_path / "net.h5"
    options = dict(data=data, half="A", batch_size=16, eval_every=3, quiet=True)

    def interrupt(done):
        os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(out=str(out), max_iter=6, **options), on_iteration=interrupt)
    with pytest.raises(training.ConfigError, match="`max_iter` 6 -> 9"):
        training.train(training.TrainConfig(out=str(out), max_iter=9, resume="auto", **options))


def test_copy_from_is_recorded_resolved_and_runs_recorded_either_way_resume(base_a, data, tmp_path, monkeypatch):
    """--copy-from is recorded as an absolute path, as --data is, so the record names one file
    wherever it is read; a run recorded before (the path as typed, relative to train's folder)
    still resumes from that folder, as does one recorded after."""
    monkeypatch.chdir(base_a.parent)
    options = dict(data=data, copy_from=base_a.name, n=2, frozen=True, batch_size=16, max_iter=6, eval_every=3,
                   quiet=True)

    def interrupt(done):
        os.kill(os.getpid(), signal.SIGTERM)

    for out, recorded in ((tmp_path / "after.h5", str(base_a)), (tmp_path / "before.h5", base_a.name)):
        with pytest.raises(training.Interrupted):
            training.train(training.TrainConfig(out=str(out), **options), on_iteration=interrupt)
        run_dir = rundir.run_dir_for(out)
        assert json.loads((run_dir / "config.json").read_text())["copy_from"] == str(base_a)
        with h5py.File(run_dir / "checkpoint.h5", "a") as f:
            f.attrs["config"] = json.dumps(dict(json.loads(f.attrs["config"]), copy_from=recorded))
        training.train(training.TrainConfig(out=str(out), resume="auto", **options))
        assert checkpoints.load(out).meta["iteration"] == 6


def test_existing_output_needs_resume_or_overwrite(base_a, data):
    before = base_a.read_bytes()
    with pytest.raises(training.ConfigError, match=r"baseA.h5 exists; continue its run \(`resume='auto'`; nothing "
                                                   r"to do if it finished\) or start over \(`overwrite=True`\)"):
        training.train(training.TrainConfig(out=str(base_a), data=data, half="A", seed=3, **FAST))
    assert base_a.read_bytes() == before


def test_weights_without_their_run_checkpoint_say_there_is_nothing_to_resume(data, tmp_path):
    out = tmp_path / "net.h5"
    training.train(training.TrainConfig(out=str(out), data=data, seed=3, **FAST))
    shutil.rmtree(tmp_path / "net.run")
    before = out.read_bytes()
    for resume in ("auto", None):
        with pytest.raises(training.ConfigError, match=r"net.h5 exists but there is nothing to resume from "
                                                       r"\(.*net.run/checkpoint.h5 is missing\); to train it again, "
                                                       r"delete or move away .*net.h5, or start over with "
                                                       r"`overwrite=True`$"):
            training.train(training.TrainConfig(out=str(out), data=data, seed=3, resume=resume, **FAST))
    assert out.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["net.h5"]


def _folder_bytes(folder):
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


# What overwrite=True may not replace, and the refusal's message.
REFUSED_OUTPUTS = {
    "text-file": r"`out` .*notes.txt exists and is not a minitransfer weights file",
    "other-hdf5": r"`out` .*shard.h5 exists and is not a minitransfer weights file",
    "the-base": r"`out` .*base.h5 is the `copy_from` checkpoint",
    "the-resumed": r"`out` .*net.h5 is the `resume` checkpoint",
    "in-the-dataset": r"`out` .*data/train-00000.h5 lies inside the dataset .*data;",
    "run-dir-in-the-dataset": r"data.run, the run directory of .*data.h5, lies inside the dataset .*data.run;",
    "a-directory": r"`out` .*folder is a directory",
    "own-run-dir": r"`out` .*x.run ends in .run, the suffix of run directories",
    "run-dir-is-a-file": r"filerun.run, the run directory of .*filerun.h5, is a file",
}


@pytest.mark.parametrize("case", REFUSED_OUTPUTS)
def test_overwrite_never_replaces_what_is_not_this_runs(base_a, data, tmp_path, case):
    """overwrite=True replaces a previous run's weights, never another file, the checkpoint the run
    reads, the dataset, or a path that cannot be a weights file; refused before anything is written."""
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path / "base.h5").write_bytes(base_a.read_bytes())
    (tmp_path / "net.h5").write_bytes((base_a.parent / "baseA.run" / "checkpoint.h5").read_bytes())
    shutil.copytree(data, tmp_path / "data")
    (tmp_path / "folder").mkdir()
    (tmp_path / "filerun.run").write_text("")
    dataset, out, extra = tmp_path / "data", tmp_path / "net2.h5", {}
    if case == "text-file":
        out = tmp_path / "notes.txt"
    elif case == "other-hdf5":
        out = tmp_path / "shard.h5"
        shutil.copy(dataset / "train-00000.h5", out)
    elif case == "the-base":
        out, extra = tmp_path / "base.h5", {"copy_from": str(tmp_path / "base.h5"), "n": 2}
    elif case == "the-resumed":
        out, extra = tmp_path / "net.h5", {"resume": str(tmp_path / "net.h5"), "half": "A", "seed": 3}
    elif case == "in-the-dataset":
        out = dataset / "train-00000.h5"
    elif case == "run-dir-in-the-dataset":
        dataset = tmp_path / "data.run"
        (tmp_path / "data").rename(dataset)
        out = tmp_path / "data.h5"
    else:
        out = tmp_path / {"a-directory": "folder", "own-run-dir": "x.run", "run-dir-is-a-file": "filerun.h5"}[case]
    before = _folder_bytes(tmp_path)
    with pytest.raises(training.ConfigError, match=REFUSED_OUTPUTS[case]):
        training.train(training.TrainConfig(out=str(out), data=str(dataset), overwrite=True, **{**FAST, **extra}))
    assert _folder_bytes(tmp_path) == before


def test_a_run_directory_belongs_to_the_weights_file_it_records(data, tmp_path):
    """x.h5 and x.weights share x.run: the second may not take it while x.h5 exists."""
    first, second = tmp_path / "coll.h5", tmp_path / "coll.weights"
    training.train(training.TrainConfig(out=str(first), data=data, seed=3, **FAST))
    before = _folder_bytes(tmp_path)
    for resume in (None, "auto"):
        with pytest.raises(training.ConfigError, match=r"coll.run belongs to .*coll.h5 \(its config.json says so\), "
                                                       r"not to .*coll.weights; choose another `out`"):
            training.train(training.TrainConfig(out=str(second), data=data, seed=4, resume=resume, overwrite=True,
                                                **FAST))
        assert _folder_bytes(tmp_path) == before
    first.unlink()  # the run directory's weights are gone: it is nobody's any more
    training.train(training.TrainConfig(out=str(second), data=data, seed=4, overwrite=True, **FAST))
    assert json.loads((tmp_path / "coll.run" / "config.json").read_text())["out"] == str(second)


def test_overwrite_removes_the_old_weights_even_when_the_new_run_fails_before_writing_its_own(data, tmp_path):
    """overwrite=True replaces the old run as the new one starts, its weights with its run files: a
    new run that diverges before its first checkpoint leaves no weights, not the old run's beside the
    new run's config and logs (eval and info would show the old network as the new run's)."""
    out = tmp_path / "net.h5"
    training.train(training.TrainConfig(out=str(out), data=data, seed=3, **FAST))
    with pytest.raises(training.Diverged, match="no checkpoint was written"):
        training.train(training.TrainConfig(out=str(out), data=data, seed=5, base_lr=1e6, overwrite=True, **FAST))
    run_dir = tmp_path / "net.run"
    assert json.loads((run_dir / "config.json").read_text())["seed"] == 5
    assert sorted(os.listdir(tmp_path)) == ["net.run"]
    assert sorted(os.listdir(run_dir)) == ["config.json", "eval.csv", "metrics.jsonl"]


def _interrupted(config, at):
    """Train ``config`` until iteration ``at``, then stop as SIGTERM does (a checkpoint, no weights)."""

    def interrupt(done):
        if done == at:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(training.Interrupted):
        training.train(config, on_iteration=interrupt)


def test_a_folder_moved_with_its_interrupted_run_and_base_continues_where_it_is(base_a, data, tmp_path):
    """A folder holding a base and an interrupted transfer from it is moved (to a cluster's scratch):
    the run continues there, though its checkpoint recorded `out` and `copy_from` in the old place,
    and ends as the same network as a run never moved."""
    options = dict(data=data, n=2, frozen=True, seed=5, **FAST)
    straight = tmp_path / "straight.h5"
    training.train(training.TrainConfig(out=str(straight), copy_from=str(base_a), **options))
    first, moved = tmp_path / "first", tmp_path / "scratch" / "moved"
    first.mkdir()
    shutil.copy(base_a, first / "baseA.h5")
    _interrupted(training.TrainConfig(out=str(first / "A2B.h5"), copy_from=str(first / "baseA.h5"), **options), at=4)
    moved.parent.mkdir()
    first.rename(moved)
    training.train(training.TrainConfig(out=str(moved / "A2B.h5"), copy_from=str(moved / "baseA.h5"), resume="auto",
                                        **options))
    a, b = _weights(straight), _weights(moved / "A2B.h5")
    assert all(_same(a[name], b[name]) for name in WEIGHT_LAYERS)
    assert (moved / "A2B.run" / "eval.csv").read_text() == (tmp_path / "straight.run" / "eval.csv").read_text()
    recorded = json.loads((moved / "A2B.run" / "config.json").read_text())
    assert (recorded["out"], recorded["copy_from"]) == (str(moved / "A2B.h5"), str(moved / "baseA.h5"))


def test_a_run_continues_on_its_dataset_moved_but_not_on_one_prepared_again_in_its_folder(data, tmp_path):
    """The dataset is known by its fingerprint (the sha256 of its meta.json), not its path: moved
    (with the run, to a cluster's scratch) the run continues on it to the bits of a run never
    interrupted; prepared again in its folder with other images, the resume is refused."""
    from minitransfer.data import synthetic

    options = dict(half="B", seed=7, **FAST)
    straight = training.train(training.TrainConfig(out=str(tmp_path / "straight.h5"), data=data, **options))
    first, moved = tmp_path / "first", tmp_path / "moved"
    shutil.copytree(data, first)
    _interrupted(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(first), **options), at=4)
    first.rename(moved)
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(moved), resume="auto", **options))
    a, b = _weights(straight.out), _weights(tmp_path / "net.h5")
    assert all(_same(a[name], b[name]) for name in WEIGHT_LAYERS)

    _interrupted(training.TrainConfig(out=str(tmp_path / "again.h5"), data=str(moved), **options), at=4)
    synthetic.build_synthetic(moved, classes=8, train_per_class=40, val_per_class=10, size=36, seed=2, overwrite=True)
    with pytest.raises(training.DataMismatch, match=rf"trained on {moved} before that folder was prepared again "
                                                    r"\(sha256 of its meta.json [0-9a-f]{12}, now [0-9a-f]{12}\)"):
        training.train(training.TrainConfig(out=str(tmp_path / "again.h5"), data=str(moved), resume="auto",
                                            **options))


def test_a_copied_run_continues_in_its_copy_while_the_original_is_trained_elsewhere(data, tmp_path):
    """An interrupted run is copied while another process trains the original (it holds the
    original's lock; the lock file is copied too): the copy is nobody's, continues where it is and
    writes only itself; the original stays locked to its holder."""
    original, copy = tmp_path / "original", tmp_path / "copy"
    options = dict(data=data, half="B", seed=7, **FAST)
    _interrupted(training.TrainConfig(out=str(original / "net.h5"), **options), at=4)
    with run_lock.RunLock(original / "net.run"):
        shutil.copytree(original, copy)
        assert (copy / "net.run" / "lock").exists() and run_lock.holder(copy / "net.run") is None
        before = _folder_bytes(original)
        result = training.train(training.TrainConfig(out=str(copy / "net.h5"), resume="auto", **options))
        assert result.out == str(copy / "net.h5") and (copy / "net.h5").exists()
        assert _folder_bytes(original) == before
        # held by this test's process: told as this process's other training (another thread's, in a notebook)
        with pytest.raises(run_lock.RunBusy, match=r"original/net.run is in use by another training of this process"):
            training.train(training.TrainConfig(out=str(original / "net.h5"), resume="auto", **options))
    assert json.loads((copy / "net.run" / "config.json").read_text())["out"] == str(copy / "net.h5")


@pytest.mark.parametrize("moved", [False, True], ids=["in-place", "moved"])
def test_a_base_that_is_another_network_now_is_not_resumed_from(base_a, data, tmp_path, moved):
    """The interrupted transfer's base was trained again in its place, or its moved folder holds
    another network under the base's name: the checkpoint's sha256 of the base it copied says so."""
    first, place = tmp_path / "first", tmp_path / ("moved" if moved else "first")
    first.mkdir()
    shutil.copy(base_a, first / "baseA.h5")
    options = dict(data=data, n=2, frozen=True, seed=5, **FAST)
    _interrupted(training.TrainConfig(out=str(first / "A2B.h5"), copy_from=str(first / "baseA.h5"), **options), at=4)
    recorded = checkpoints.load(first / "baseA.h5").sha256
    first.rename(place)
    with h5py.File(place / "baseA.h5", "a") as f:  # another network: one weight differs
        f["weights/conv1/W"][0, 0, 0, 0] += 1.0
    paths = re.escape(f"`copy_from` '{first}/baseA.h5' -> '{place}/baseA.h5'")
    sha256 = rf" \(another network: sha256 {recorded[:12]} -> [0-9a-f]{{12}}\)"
    with pytest.raises(training.ConfigError, match=paths + sha256):
        training.train(training.TrainConfig(out=str(place / "A2B.h5"), copy_from=str(place / "baseA.h5"),
                                            resume="auto", **options))


def test_an_empty_out_is_refused_not_replaced_by_the_default_name(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(training.ConfigError, match=r"`out` is empty: name a weights file"):
        training.train(training.TrainConfig(out="", data=data, **FAST))
    assert os.listdir(tmp_path) == []


def test_paths_may_be_given_as_pathlib_paths(base_a, data, tmp_path):
    out = tmp_path / "A2B.h5"
    training.train(training.TrainConfig(out=out, data=pathlib.Path(data), copy_from=base_a, n=2, **FAST))
    recorded = json.loads((tmp_path / "A2B.run" / "config.json").read_text())
    assert recorded["out"] == str(out) and recorded["data"] == data and recorded["copy_from"] == str(base_a)
    resumed = training.train(training.TrainConfig(out=out, data=data, copy_from=base_a, n=2,
                                                  resume=tmp_path / "A2B.run" / "checkpoint.h5", **FAST))
    assert resumed.out == str(out) and resumed.iterations == FAST["max_iter"]


def test_non_finite_loss_stops_with_a_diagnostic_and_keeps_the_last_checkpoint(data, tmp_path):
    out = tmp_path / "diverge.h5"
    config = training.TrainConfig(out=str(out), data=data, half="A", base_lr=1e4, batch_size=16, max_iter=30,
                                  checkpoint_every=1, quiet=True)
    with pytest.raises(training.Diverged, match=r"at iteration \d+ \(lr 1e\+04\); weight norms: conv1 \|W\|"):
        training.train(config)
    assert not out.exists()
    last = checkpoints.load(tmp_path / "diverge.run" / "checkpoint.h5")
    assert all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in last.weights.values())
    events = [json.loads(line) for line in (tmp_path / "diverge.run" / "metrics.jsonl").read_text().splitlines()]
    assert events[-1]["event"] == "diverged"


def test_a_diverged_run_says_to_start_over_as_resumed_it_diverges_again(data, tmp_path):
    """Its diagnostic named the last good checkpoint, and a rerun with a lower `base_lr` was refused
    twice (another configuration; a checkpoint exists) before `overwrite=True`; resumed as it was,
    the run replays its iterations and diverges at the same one, also with `overwrite=True` beside
    `resume` (which continues a checkpoint): the diagnostic says to start over without `resume`. A
    resume in another precision, whose arithmetic differs, is allowed as for any other run."""
    def config(**options):
        # it diverges at iteration 2 (base_lr 1e4): 10 leave 8 it never reaches
        return training.TrainConfig(out=str(tmp_path / "d.h5"), data=data, half="A", batch_size=16, max_iter=10,
                                    checkpoint_every=1, quiet=True, **options)

    with pytest.raises(training.Diverged) as first:
        training.train(config(base_lr=1e4))
    assert str(first.value).endswith(f"Lower `base_lr` or check the data, and start the run over (`overwrite=True`, "
                                     f"without `resume`): resumed from its last good checkpoint "
                                     f"{tmp_path / 'd.run' / 'checkpoint.h5'}, it would diverge again.")
    for unchanged in ({}, {"overwrite": True}, {"log_every": 1}):
        with pytest.raises(training.Diverged) as resumed:
            training.train(config(base_lr=1e4, resume="auto", **unchanged))
        assert str(resumed.value) == str(first.value)
    with pytest.raises(training.ConfigError, match="--allow-precision-change|allow_precision_change"):
        training.train(config(base_lr=1e4, resume="auto", precision="tf32"))
    with pytest.raises(training.Diverged):
        training.train(config(base_lr=1e4, resume="auto", precision="tf32", allow_precision_change=True))
    assert training.train(config(base_lr=1e-3, overwrite=True)).iterations == 10


@pytest.mark.parametrize("solver, hint", [({}, "Lower `base_lr` or check the data"),
                                          ({"weight_decay": 1e30}, r"Lower `base_lr` \(or `weight_decay` 1e\+30, "
                                                                   r"above Caffe's\) or check"),
                                          ({"momentum": 0.999, "weight_decay": 1e3},
                                           r"\(or `momentum` 0.999 or `weight_decay` 1000, above Caffe's\)")],
                         ids=["caffe-solver", "weight-decay", "both"])
def test_the_divergence_hint_names_the_solver_settings_raised_above_caffes(data, tmp_path, solver, hint):
    config = training.TrainConfig(out=str(tmp_path / "d.h5"), data=data, half="A", base_lr=solver and 0.01 or 1e4,
                                  batch_size=16, max_iter=30, quiet=True, **solver)
    with pytest.raises(training.Diverged, match=hint):
        training.train(config)


def test_a_diverged_evaluation_stops_the_run_before_its_row_is_written(data, tmp_path):
    """An update that blows the weights up shows first in the evaluation after it (eval_every 1, no
    checkpoint due): its loss is not finite and its top-1 meaningless (NaN logits compare as "not
    higher", so every image would count as right). The run stops there, as for a non-finite training
    loss, and eval.csv keeps only the evaluations of a net that had not diverged."""
    config = training.TrainConfig(out=str(tmp_path / "diverge.h5"), data=data, half="A", base_lr=1e4, batch_size=16,
                                  max_iter=30, eval_every=1, checkpoint_every=1000, quiet=True)
    with pytest.raises(training.Diverged, match=r"validation loss became (nan|inf) at iteration \d+ \(lr 1e\+04\)"):
        training.train(config)
    rows = (tmp_path / "diverge.run" / "eval.csv").read_text().splitlines()[1:]
    assert rows and all(np.isfinite([float(v) for v in row.split(",")]).all() for row in rows)
    events = [json.loads(line) for line in (tmp_path / "diverge.run" / "metrics.jsonl").read_text().splitlines()]
    assert events[-1]["event"] == "diverged" and events[-1]["iteration"] == len(rows) + 1


@pytest.mark.parametrize("options, error, pattern", [
    ({"n": "2", "copy_from": "baseA.h5"}, training.ConfigError, "`n` must be an integer, got '2'"),
    ({"random_frozen": 8}, training.ConfigError, "random_frozen"),
    ({"frozen": True}, training.ConfigError, "needs `copy_from`"),
    ({"split": "halves"}, training.ConfigError, "`split` must be one of"),
    ({"preset": "caffenet"}, training.ConfigError, "227x227 crops"),
    ({"fc8_outputs": 2}, training.ConfigError, "fewer than the 4 classes"),
    ({"seed": 2**32}, training.ConfigError, r"`seed` must be an integer 0\.\.4294967295, got 4294967296"),
    ({"split_seed": 10**20}, training.ConfigError, r"`split_seed` must be an integer 0\.\.4294967295"),
    ({"overwrite": "False"}, training.ConfigError, r"`overwrite` must be True or False, got 'False'"),
    ({"cuda_graph": "no"}, training.ConfigError, r"`cuda_graph` must be True or False, got 'no'"),
    ({"copy_from": 3, "n": 2}, training.ConfigError, r"`copy_from` must be a path \(a str or pathlib.Path\), got int"),
    ({"seed": "1"}, training.ConfigError, r"`seed` must be an integer 0\.\.4294967295, got '1'"),
    ({"workers": None}, training.ConfigError, r"`workers` must be an integer 0\.\.256, got None"),
    ({"workers": 257}, training.ConfigError, r"`workers` must be an integer 0\.\.256, got 257"),
    ({"workers": 10**20}, training.ConfigError, r"`workers` must be an integer 0\.\.256, got 100000000000000000000"),
    ({"batch_size": 10**20}, training.ConfigError, r"`batch_size` must be an integer 1\.\.2147483647"),
    ({"fc8_outputs": 10**20}, training.ConfigError, r"`fc8_outputs` must be an integer 1\.\.100000"),
    ({"base_lr": float("inf")}, training.ConfigError, r"`base_lr` must be a finite number, got inf"),
    ({"momentum": 1.0}, training.ConfigError, r"`momentum` must lie in \[0, 1\), got 1\.0"),
], ids=["n-text", "random-frozen8", "frozen-no-copy", "bad-split", "caffenet-on-36px", "fc8-too-small", "seed-2**32",
        "split-seed-10**20", "overwrite-text", "cuda-graph-text", "copy-from-not-a-path", "seed-text", "workers-none",
        "workers-257", "workers-10**20", "batch-10**20", "fc8-10**20", "lr-inf", "momentum-1"])
def test_bad_configuration_is_rejected_before_anything_is_written(data, tmp_path, options, error, pattern):
    with pytest.raises(error, match=pattern):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=data, **{**FAST, **options}))
    assert os.listdir(tmp_path) == []


def test_numpy_scalars_are_recorded_as_plain_numbers(data):
    """A notebook's NumPy scalars (a seed from a generator, a swept learning rate) configure a run like
    Python's numbers do and are recorded as them: the run's files are JSON."""
    plan = config.resolve(training.TrainConfig(
        data=data, seed=np.uint64(config_checks.MAX_SEED), max_iter=np.int64(6), batch_size=np.int32(16),
        fc8_outputs=np.int64(5), base_lr=np.float32(0.5), momentum=np.float64(0.5), frozen=np.False_, quiet=True,
        device="cpu"), checksums=False)
    recorded = json.loads(json.dumps(plan.config.to_dict()))
    assert (recorded["seed"], recorded["max_iter"], recorded["batch_size"], recorded["fc8_outputs"]) == \
        (config_checks.MAX_SEED, 6, 16, 5)
    assert (recorded["base_lr"], recorded["momentum"], recorded["frozen"]) == (0.5, 0.5, False)


def test_the_seed_limit_is_what_the_generators_take():
    """The split's NumPy RandomState takes seeds up to 2**32 - 1; the crops' and dropout's counter-based
    generator reduces seeds modulo 2**32, so one seed more would repeat seed 0's draws."""
    assert config_checks.MAX_SEED == 2**32 - 1
    splits.random_halves(8, config_checks.MAX_SEED)
    with pytest.raises(ValueError):
        splits.random_halves(8, config_checks.MAX_SEED + 1)
    assert counter_rng.stream_key(config_checks.MAX_SEED + 1, 5) == counter_rng.stream_key(0, 5)
    assert counter_rng.stream_key(config_checks.MAX_SEED, 5) != counter_rng.stream_key(0, 5)


@pytest.mark.parametrize("field, value", [("n", 8), ("n", 30), ("random_frozen", 8)])
def test_n_is_bounded_by_the_presets_copyable_layers(base_a, data, tmp_path, field, value):
    """A refusal of n = 8 says why: the eighth weight layer is the classifier, which is always trained."""
    options = {"copy_from": str(base_a), "n": value} if field == "n" else {"random_frozen": value, "split": "all"}
    with pytest.raises(training.ConfigError,
                       match=rf"`{field}` must be an integer 1\.\.7, got {value} \(n counts the "
                             rf"first weight layers, .*layer 8, the classifier, is always trained\)"):
        training.train(training.TrainConfig(out=str(tmp_path / "n.h5"), data=data, **options, **FAST))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("field, value, preset", [("n", 0, None), ("n", -1, "mini"), ("random_frozen", 0, None)])
def test_n_below_one_is_refused_before_the_base_or_the_dataset_is_read(tmp_path, field, value, preset,
                                                                       built_in_presets):
    """Refused once the preset was known, after the base was read and the dataset checksummed (minutes on
    ImageNet): a missing base hid it. Said with what n counts, and 1..7: the preset's where it is given, else
    the range every preset takes ("in every preset"), as n = 8 is refused once the preset is known."""
    options = {"copy_from": str(tmp_path / "missing.h5"), "n": value} if field == "n" else {"random_frozen": value}
    where = f"in preset {preset}" if preset else "in every preset"
    with pytest.raises(training.ConfigError, match=rf"`{field}` must be an integer 1\.\.7, got {value} \(n counts the "
                                                   rf"first weight layers, copied or left random; layer 8, the "
                                                   rf"classifier, is always trained\) {where}"):
        training.train(training.TrainConfig(out=str(tmp_path / "n.h5"), data=str(tmp_path / "missing"),
                                            preset=preset, **options, **FAST))
    assert not list(tmp_path.iterdir())


def test_copy_from_missing_or_corrupt_checkpoint(data, tmp_path):
    with pytest.raises(training.ConfigError, match=r"`copy_from` '.*a\.h5' does not exist$"):
        training.train(training.TrainConfig(out=str(tmp_path / "n.h5"), data=data, copy_from=str(tmp_path / "a.h5"),
                                            n=2, **FAST))
    (tmp_path / "bad.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(checkpoints.CheckpointError, match="bad.h5"):
        training.train(training.TrainConfig(out=str(tmp_path / "n.h5"), data=data, copy_from=str(tmp_path / "bad.h5"),
                                            n=2, **FAST))
    assert sorted(os.listdir(tmp_path)) == ["bad.h5"]


def test_copy_from_another_architecture_names_the_layer(data, tmp_path):
    net = models.caffenet(10)
    layers = net.weight_layers[:2]
    foreign = checkpoints.Checkpoint(
        preset="caffenet", weights={l.name: (l.weight.data, l.bias.data) for l in layers},
        frozen={}, meta={"classes": [{"index": 0, "wnid": "n00000000", "name": "class 0"}]},
        mean=np.zeros((36, 36, 3), np.float32))
    checkpoints.save(tmp_path / "caffenet.h5", foreign)
    with pytest.raises(config_checks.ConfigError,  # the preset given is at fault (exit 2), not the checkpoint
                       match=r"layer conv1 has W \(96, 3, 11, 11\).*needs W \(16, 3, 5, 5\)"):
        training.train(training.TrainConfig(out=str(tmp_path / "n.h5"), data=data, preset="mini",
                                            copy_from=str(tmp_path / "caffenet.h5"), n=2, **FAST))
    assert sorted(os.listdir(tmp_path)) == ["caffenet.h5"]


def test_default_names_follow_the_paper(base_a, data):
    plan = training.resolve(training.TrainConfig(data=data, copy_from=str(base_a), n=4, frozen=True, **FAST))
    assert plan.config.out == "A4B.h5" and plan.config.half == "B"
    assert training.resolve(training.TrainConfig(data=data, copy_from=str(base_a), n=4, **FAST)).config.out == "A4B+.h5"
    assert training.resolve(training.TrainConfig(data=data, **FAST)).config.out == "baseA.h5"
    assert training.resolve(training.TrainConfig(data=data, split="all", random_frozen=2, **FAST)).config.out \
        == "all-random2all.h5"
    assert rundir.run_dir_for("runs/A4B.h5").as_posix() == "runs/A4B.run"


def test_evaluate_checkpoint_matches_the_runs_final_evaluation(base_a, data):
    scores = evaluate.evaluate_checkpoint(base_a, data=data, device="cpu")
    result = json.loads(base_a.with_name("baseA.run").joinpath("result.json").read_text())
    assert scores["images"] == 40
    assert scores["top1"] == pytest.approx(result["final"]["top1"])
    assert scores["loss"] == pytest.approx(result["final"]["loss"], rel=1e-6)
    # as a notebook has it
    opened = evaluate.evaluate_checkpoint(base_a, data=datasets.open_dataset(data), device="cpu")
    assert opened == scores


def test_evaluate_checkpoint_whose_outputs_overflow_is_refused_not_scored(base_a, data, tmp_path):
    """Finite weights whose logits overflow: NaN logits never rank below the true class's, so the
    accuracy would read high; eval refuses instead of printing it (or invalid JSON). Every weight at
    the largest a run writes (larger ones are refused as the file is read)."""
    blown = tmp_path / "blown.h5"
    shutil.copy(base_a, blown)
    with h5py.File(blown, "a") as f:
        for layer in WEIGHT_LAYERS:
            f[f"weights/{layer}/W"][...] = np.full(f[f"weights/{layer}/W"].shape, MAX_ABS_WEIGHT,
                                                   np.float32)
    with pytest.raises(training.DataMismatch, match=r"blown.h5: its outputs on the val images of .* are not finite"):
        evaluate.evaluate_checkpoint(str(blown), data=data, device="cpu")


@pytest.mark.parametrize("batch_size", [0, 2.5, True], ids=["zero", "fraction", "bool"])
def test_evaluate_checkpoint_refuses_a_batch_size_that_is_not_a_positive_integer(base_a, batch_size):
    with pytest.raises(training.ConfigError, match=rf"`batch_size` must be an integer >= 1, got {batch_size!r}"):
        evaluate.evaluate_checkpoint(str(base_a), batch_size=batch_size)


def test_evaluate_checkpoint_on_train_of_a_reduced_data_run_takes_the_images_it_trained_on(data, tmp_path):
    out = tmp_path / "reduced.h5"
    config = training.TrainConfig(out=str(out), data=data, split="all", per_class=5, seed=2, **FAST)
    plan = training.resolve(config)
    training.train(config)
    net = transfer.load_net(checkpoints.load(out, solver=False), "cpu", None)
    with loaders.BatchLoader(plan.dataset, "train", plan.task.train_indices, plan.task.train_labels, 7,
                             plan.preset.crop, train=False, mean=plan.mean) as batches:
        expected = evaluate.evaluate(net, batches)
    scores = evaluate.evaluate_checkpoint(str(out), subset="train")
    assert scores["images"] == expected["images"] == 5 * 8
    assert scores["top1"] == expected["top1"] and scores["loss"] == pytest.approx(expected["loss"], rel=1e-5)
    assert evaluate.evaluate_checkpoint(str(out))["images"] == 10 * 8  # validation is never reduced


def test_evaluate_checkpoint_on_a_dataset_without_its_classes(base_a, tmp_path):
    other = tmp_path / "synthetic-4"
    synthetic.build_synthetic(other, classes=4, train_per_class=5, val_per_class=5, size=36, seed=1)
    with pytest.raises(training.DataMismatch):
        evaluate.evaluate_checkpoint(base_a, data=str(other), device="cpu")


def test_evaluate_checkpoint_on_a_dataset_with_more_classes_says_which(data, tmp_path):
    """A network of 4 classes on a dataset holding those and 4 more: not "split all half None ... 8 other ones"."""
    four = tmp_path / "synthetic-4"
    synthetic.build_synthetic(four, classes=4, train_per_class=5, val_per_class=5, size=36, seed=1)
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(four), split="all", **FAST))
    with pytest.raises(training.DataMismatch, match=f"checkpoint {tmp_path / 'net.h5'} was trained on 4 classes; "
                                                    f"every class of {data} is 8 classes, not those 4"):
        evaluate.evaluate_checkpoint(tmp_path / "net.h5", data=data, device="cpu")


def test_a_half_of_one_class_is_refused_before_training(tmp_path):
    two = tmp_path / "synthetic-2"
    synthetic.build_synthetic(two, classes=2, train_per_class=4, val_per_class=2, size=36, seed=1)
    with pytest.raises(config.ConfigError, match=f"half B of the random split of {two} holds 1 class; a classifier "
                                                 "needs at least 2"):
        training.resolve(training.TrainConfig(data=str(two), half="B", **FAST))
    assert training.resolve(training.TrainConfig(data=str(two), split="all", **FAST)).task.num_classes == 2


def test_evaluate_checkpoint_whose_dataset_moved_asks_for_its_new_place(data, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(data, tmp_path / "data")
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(tmp_path / "data"), **FAST))
    (tmp_path / "data").rename(moved)
    # a usage error (give `data`), as train --copy-from of it says (nothing in the data is at fault: not DataMismatch)
    with pytest.raises(training.ConfigError, match=f"was trained on {tmp_path / 'data'}, which is not there any "
                                                    r"more; give the folder where that dataset is now as `data`"):
        evaluate.evaluate_checkpoint(tmp_path / "net.h5", device="cpu")
    assert evaluate.evaluate_checkpoint(tmp_path / "net.h5", data=str(moved), device="cpu")["images"] == 40


@pytest.mark.gpu
def test_gpu_training_is_reproducible_and_resumes_bitwise(cp, data, tmp_path):
    options = dict(data=data, half="A", seed=13, batch_size=16, max_iter=6, eval_every=3, quiet=True, device="cuda")
    first, second, resumed = (tmp_path / f"{name}.h5" for name in ("first", "second", "resumed"))
    training.train(training.TrainConfig(out=str(first), **options))
    training.train(training.TrainConfig(out=str(second), **options))

    def interrupt(done):
        if done == 3:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(out=str(resumed), **options), on_iteration=interrupt)
    training.train(training.TrainConfig(out=str(resumed), resume="auto", **options))
    reference = _weights(first)
    for other in (second, resumed):
        weights, velocity = _weights(other), _velocities(other)
        for name in WEIGHT_LAYERS:
            assert _same(weights[name], reference[name]), (other.name, name)
            assert _same(velocity[name], _velocities(first)[name]), (other.name, name)


@pytest.mark.gpu
def test_gpu_training_follows_the_cpu_reference(cp, data, tmp_path):
    options = dict(data=data, half="A", seed=17, batch_size=16, max_iter=2, eval_every=2, quiet=True)
    training.train(training.TrainConfig(out=str(tmp_path / "cpu.h5"), device="cpu", **options))
    training.train(training.TrainConfig(out=str(tmp_path / "gpu.h5"), device="cuda", **options))
    cpu, gpu = _weights(tmp_path / "cpu.h5"), _weights(tmp_path / "gpu.h5")
    for name in WEIGHT_LAYERS:
        for a, b in zip(gpu[name], cpu[name]):
            scale = float(np.abs(b).max())
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * scale, err_msg=name)


def test_reduced_data_runs_take_the_papers_reduced_data_solver(data):
    """Supplement B: base_lr 0.0125, a step every 64,000 of 200,000 iterations, scaled to the preset."""
    reduced = training.resolve(training.TrainConfig(data=data, per_class=5, device="cpu")).config
    assert (reduced.base_lr, reduced.max_iter, reduced.stepsize) == (0.0125, 133, 43)  # mini: 300 * 200/450
    longer = training.resolve(training.TrainConfig(data=data, per_class=5, max_iter=1000, device="cpu")).config
    assert (longer.base_lr, longer.stepsize) == (0.0125, 320)
    chosen = training.resolve(training.TrainConfig(data=data, per_class=5, base_lr=0.02, device="cpu")).config
    assert chosen.base_lr == 0.02
    full = training.resolve(training.TrainConfig(data=data, device="cpu")).config
    assert (full.base_lr, full.max_iter, full.stepsize) == (0.01, 300, 67)


def test_kept_validation_batches_score_like_batches_read_each_time(data, tmp_path, monkeypatch):
    """A small validation set is prepared once per run and kept; every evaluation must score what
    batches read afresh score (the net must not change its input in place, for one)."""
    options = dict(FAST, data=data, half="B", seed=5, max_iter=8, eval_every=2, eval_batch_size=24)
    training.train(training.TrainConfig(out=str(tmp_path / "kept.h5"), **options))
    monkeypatch.setattr(training_run, "KEEP_VALIDATION_BYTES", 0)
    read = []
    original = evaluate.validation_loader
    monkeypatch.setattr(training_run, "validation_loader", lambda plan: read.append(1) or original(plan))
    training.train(training.TrainConfig(out=str(tmp_path / "read.h5"), **options))
    assert len(read) == 4  # read afresh at each of the 4 evaluations
    kept = (tmp_path / "kept.run" / "eval.csv").read_text()
    assert kept == (tmp_path / "read.run" / "eval.csv").read_text() and len(kept.splitlines()) == 5
