"""What a copy's checkpoint records of its transfer: the layers copied (``n_copied``), frozen (``n_frozen`` and
``frozen_layers``, by name) and its per-layer frozen flags, for AnB (frozen), AnB+ (fine-tuned), a base and the
random-weights control (§4.3), on micro networks trained two iterations. `info` and a copy of the copy
(:func:`minitransfer.transfer.base_provenance`) read these fields: a wrong name list says layers were frozen that
trained. The oracle is the paper's definition: AnB freezes layers 1..n and no other, AnB+ none."""

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training

LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")
MICRO = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def micro_base(micro_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("base") / "baseA.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, half="A", seed=3, **MICRO))
    return out


def _train(micro_data, out, **options):
    training.train(training.TrainConfig(out=str(out), data=micro_data, **MICRO, **options))
    return checkpoints.load(out)


@pytest.mark.parametrize("n, frozen", [(3, True), (3, False), (7, True)], ids=["A3B", "A3B+", "A7B"])
def test_a_copy_records_the_layers_it_copied_and_froze_by_name(micro_base, micro_data, tmp_path, n, frozen):
    """(Mutants: every layer listed as frozen, n_copied one short, n_frozen counting every layer.)"""
    saved = _train(micro_data, tmp_path / "copy.h5", copy_from=str(micro_base), n=n, frozen=frozen, seed=5)
    expected = list(LAYERS[:n]) if frozen else []
    assert saved.meta["frozen_layers"] == expected
    assert saved.meta["n_frozen"] == len(expected) and saved.meta["n_copied"] == n
    assert [saved.frozen[name] for name in LAYERS] == [name in expected for name in LAYERS]
    assert not saved.meta["random_frozen"]


def test_the_random_weights_control_records_its_frozen_layers_and_copies_none(micro_data, tmp_path):
    saved = _train(micro_data, tmp_path / "random2.h5", half="B", random_frozen=2, seed=4)
    assert saved.meta["frozen_layers"] == list(LAYERS[:2]) and saved.meta["n_frozen"] == 2
    assert saved.meta["n_copied"] == 0 and saved.meta["random_frozen"]
