"""Reduced-data runs and the random-weights control trained by hand: a run of none of the paper's
treatments (fewer images per class with copied or random frozen layers, or layers copied from a
reduced-data run) is left out of the report and named, never pooled with the copies and controls
trained on every image."""

import pytest

from minitransfer import config as configs
from minitransfer import experiment as grid
from minitransfer import left_out, report, treatments
from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


def train_in(folder, monkeypatch, **fields):
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(folder)
    training.train(configs.TrainConfig(**fields, **FAST))


def left_out_of(folder):
    written = report.write_report(folder, folder / "report", figures=False)
    return {r.run.name: r.run.label for r in written.results}, {text.partition(": ")[0]: text
                                                               for text in written.left_out}


def test_fewer_images_with_copied_or_random_frozen_layers_is_left_out_and_named(micro_data, tmp_path, monkeypatch):
    """Read as all2all and random2, they were pooled with the copy and the control on every image."""
    train_in(tmp_path, monkeypatch, data=micro_data, split="all", out="base.h5")
    train_in(tmp_path, monkeypatch, data=micro_data, split="all", random_frozen=2, out="random2.h5")
    train_in(tmp_path, monkeypatch, data=micro_data, split="all", random_frozen=2, per_class=3, out="few-random2.h5")
    train_in(tmp_path, monkeypatch, data=micro_data, split="all", copy_from="base.h5", n=2, frozen=True,
             per_class=3, out="few-copy2.h5")
    results, left_out = left_out_of(tmp_path)
    assert results == {"base": "base", "random2": "random2"}
    assert "trained on at most 3 images per class with its first 2 layers random and frozen: none of the paper's" \
        in left_out["few-random2"]
    assert f"trained on at most 3 images per class with layers copied from {tmp_path / 'base.h5'}" \
        in left_out["few-copy2"]


def test_layers_copied_from_a_reduced_data_run_are_left_out_and_named(micro_data, tmp_path, monkeypatch):
    """A transfer from a base trained on 3 images per class was measured as the paper's AnB."""
    train_in(tmp_path, monkeypatch, data=micro_data, half="A", out="baseA.h5")
    train_in(tmp_path, monkeypatch, data=micro_data, half="B", out="baseB.h5")
    train_in(tmp_path, monkeypatch, data=micro_data, half="A", per_class=3, out="fewA.h5")
    train_in(tmp_path, monkeypatch, data=micro_data, copy_from="fewA.h5", n=1, frozen=True, out="few-A1B.h5")
    train_in(tmp_path, monkeypatch, data=micro_data, copy_from="baseA.h5", n=1, frozen=True, out="A1B.h5")
    results, left_out = left_out_of(tmp_path)
    assert results == {"A1B": "A1B", "baseA": "baseA", "baseB": "baseB"}
    assert "reduced-data run" in left_out["fewA"]  # on a half: the paper's are on every class
    assert (f"its layers come from a base of half A of the random split 0 on at most 3 images per class "
            f"({tmp_path / 'fewA.h5'}): none of the paper's treatments") in left_out["few-A1B"]


def test_a_grids_copy_whose_base_was_a_reduced_data_run_is_not_its_treatment():
    """A grid's A1B trained while baseA.h5 held a reduced-data network copied other layers than AnB's."""
    run = grid.Run("random0/A1B", "transfer", "random", 0, target="B", source="A", n=1)
    record = {"split_kind": "random", "split_seed": 0, "split_half": "A", "cross_dataset": False}
    treatments.check_source(run, dict(record, per_class=None))
    with pytest.raises(left_out.UnreadableRun, match="recorded a base of half A of the random split 0 on at most "
                                                       "3 images per class"):
        treatments.check_source(run, dict(record, per_class=3))
