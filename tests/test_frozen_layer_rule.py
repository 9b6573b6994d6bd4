"""Which weight layers a run freezes, one rule (``transfer.frozen_layers``) that the net a run trains
(``transfer.build_net``), train's memory check (``preflight_memory``, through ``transfer.plan_frozen``) and a grid's
(``grid_preflight.frozen_layers``) all follow: before, each of the three wrote it out. The oracle is the paper's
name of each run of a grid: AnB freezes its n copied layers, AnB+ none (fine-tuned), randomN its first N at their
random start, a base none."""

import dataclasses
import re
import types

import pytest

from minitransfer import config, grid_preflight, models, transfer
from minitransfer import experiment as grid

RUNS = grid.plan_grid(layers=(1, 3), random_frozen=(2,))


def _paper_frozen(label):
    """How many layers the paper's run ``label`` freezes (baseA, A3B, B1B+, random2)."""
    found = re.fullmatch(r"[AB](\d)[AB]|random(\d)", label)
    return int(found[1] or found[2]) if found else 0


def test_the_oracle_reads_the_paper_s_names():
    assert [_paper_frozen(label) for label in ("baseA", "base", "A3B", "B1B+", "A3B+", "random2")] == [0, 0, 3, 0, 0, 2]


@pytest.mark.parametrize("run", RUNS, ids=[run.name for run in RUNS])
def test_a_grid_s_run_its_train_s_plan_and_its_net_freeze_the_layers_the_paper_names(run, monkeypatch, tmp_path):
    c = dataclasses.replace(config.TrainConfig(**grid.run_fields(run, tmp_path, {})), seed=0, fc8_outputs=4)
    monkeypatch.setattr(transfer, "copy_layers", lambda net, source, n: None)  # no base file: its weights alone
    monkeypatch.setattr(transfer, "_warn_of_base_seed", lambda plan, net: None)
    plan = types.SimpleNamespace(config=c, preset=models.get("micro"), device="cpu", resume_from=None,
                                 parent=object() if c.copy_from else None)
    net = transfer.build_net(plan)
    expected = _paper_frozen(run.label)
    layers = net.weight_layers
    assert [layer.frozen for layer in layers] == [index < expected for index in range(len(layers))], run.label
    assert transfer.plan_frozen(plan) == expected
    assert grid_preflight.frozen_layers(run) == expected

