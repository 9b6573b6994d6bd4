"""A base checkpoint is read once per report: the runs trained by hand whose layers come from a base
train recorded nothing about are judged on the base checkpoint itself, kept by path for every copy
of it (:func:`minitransfer.treatments.treatment`); Table 1's line on the runs not finished
(:func:`minitransfer.results.recorded_runs`) read every such base a second time, 240 MB of
CaffeNet each, the report having read it already."""

import h5py

from minitransfer import config, report, treatments
from minitransfer import train as training
from minitransfer.data import synthetic

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


def _forget_source(run_folder, weights):
    """The run as trained before train recorded its base: no "source" in its checkpoint or weights."""
    for path in (weights, run_folder / "checkpoint.h5"):
        with h5py.File(path, "r+") as f:
            del f.attrs["source"]


def test_a_base_checkpoint_read_for_finished_copies_is_not_read_again_for_unfinished_ones(tmp_path, monkeypatch):
    data = str(tmp_path / "X")
    synthetic.build_synthetic(data, classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    base = tmp_path / "bases" / "bX.h5"
    training.train(config.TrainConfig(out=str(base), data=data, split="all", seed=1, **FAST))
    runs = tmp_path / "runs"
    for name, seed in (("done", 2), ("going", 3)):
        out = runs / f"{name}.h5"
        training.train(config.TrainConfig(out=str(out), data=data, copy_from=str(base), n=4, frozen=True, seed=seed,
                                          **FAST))
        _forget_source(runs / f"{name}.run", out)
    (runs / "going.run" / "result.json").unlink()  # not finished
    loads = []
    load = treatments.checkpoints.load
    monkeypatch.setattr(treatments.checkpoints, "load",
                        lambda path, **kwargs: loads.append(path) or load(path, **kwargs))
    written = report.write_report(runs, tmp_path / "report", figures=False)
    assert [r.run.name for r in written.results] == ["done"] and written.unfinished == ["going"]
    assert "Table 1: not measured" in written.files["table1.md"].read_text()  # recorded_runs read the unfinished
    assert loads == [base]
