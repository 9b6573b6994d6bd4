"""A base's configuration that train refuses, said by the grid's checks with the run's name first, keeps its own
kind and fields: one whose constructor asks for more than a message (resume.PathMissing(field, path)) was rebuilt
from a message alone, a TypeError where the grid was to say the refusal."""

import pytest

from minitransfer import config
from minitransfer import experiment as grid
from minitransfer import grid_preflight
from minitransfer.resume import PathMissing


def test_a_refusal_with_fields_of_its_own_is_said_with_the_run_named(micro_data, tmp_path, monkeypatch):
    def refuses(*args, **kwargs):
        raise PathMissing("copy_from", "/nowhere/baseA.h5")

    monkeypatch.setattr(config, "resolve", refuses)
    base = next(run for run in grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False) if run.parent is None)
    with pytest.raises(PathMissing) as refused:
        grid_preflight.resolved_plan(base, tmp_path / "g", {"data": micro_data, "max_iter": 1, "device": "cpu"})
    assert str(refused.value) == f"run {base.name}: `copy_from` '/nowhere/baseA.h5' does not exist"
