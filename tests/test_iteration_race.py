"""benchmarks/iteration.py's race (gpu_checks.sh's race step) on the emulated device, where one
configuration fails: torch.compile raising while it warms up (as PyTorch >= 2.9 did with its TF32
flags, pytorch/pytorch#166387) or one of our step modes failing. Before, the first failure ended the
whole run with a traceback and no table: the GPU's time for every other configuration was lost. And
the nets raced start from weights drawn once per process."""

import json
import sys
import types

import numpy as np
import pytest

from cuda_emulator import AVAILABLE, REASON, cache_dir, install
from test_benchmarks import SCRIPT


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_a_failing_configuration_is_left_out_and_the_others_are_timed(monkeypatch, tmp_path_factory, tmp_path, capsys):
    sys.path.insert(0, str(SCRIPT.parent))
    import common
    import iteration

    install(monkeypatch, cache_dir(tmp_path_factory))
    monkeypatch.setattr(common, "device_info", lambda: {"gpu": "Emulated GPU", "date": "2000-01-02"})
    monkeypatch.setattr(common, "torch_cuda", lambda: types.SimpleNamespace(
        backends=types.SimpleNamespace(cudnn=types.SimpleNamespace())))

    def torch_runner(torch, preset, outputs, n_frozen, configuration, variant, x, labels):
        def run():
            if variant == "compile":
                raise RuntimeError("PyTorch is checking whether allow_tf32_new is enabled\nsecond line")
        return run

    built = iteration.our_step

    def our_step(preset, outputs, device, n_frozen, precision, mode):
        if mode == "graph":
            raise RuntimeError("an illegal memory access was encountered")
        return built(preset, outputs, device, n_frozen, precision, mode)

    monkeypatch.setattr(iteration, "torch_runner", torch_runner)
    monkeypatch.setattr(iteration, "our_step", our_step)
    assert iteration.main(["--preset", "mini", "--batch", "2", "--outputs", "10", "--device", "cuda", "--precision",
                           "ieee", "--modes", "plain", "graph", "--frozen", "0", "--torch-variants", "eager",
                           "compile", "--blocks", "1", "--per-block", "1", "--warmup", "1", "--phase-repeat", "1",
                           "--layer-repeat", "0", "--results", str(tmp_path)]) == 1
    tables = json.loads((tmp_path / "emulated-gpu-2000-01-02-iteration.json").read_text())
    timed = {row["who"]: row for row in tables["timed"]}
    assert set(timed) == {"ours ieee plain", "ours ieee graph", "torch ieee eager", "torch ieee compile"}
    assert timed["ours ieee plain"]["ms"] > 0 and timed["torch ieee eager"]["ms"] >= 0
    assert timed["ours ieee plain"]["launches"] > 0
    assert timed["ours ieee graph"] == {"network": "baseB", "who": "ours ieee graph", "ms": None,
                                        "failed": "RuntimeError: an illegal memory access was encountered"}
    assert timed["torch ieee compile"]["failed"] == \
        "RuntimeError: PyTorch is checking whether allow_tf32_new is enabled"
    rows = {row["mode"]: row for row in tables["head_to_head"]}
    assert rows["plain"]["torch_best"] == "ieee eager" and rows["plain"]["ratio"] is not None
    assert rows["graph"]["ours_ms"] is None and rows["graph"]["ratio"] is None
    markdown = (tmp_path / "emulated-gpu-2000-01-02-iteration.md").read_text()
    assert "| baseB | torch ieee compile | failed: RuntimeError: PyTorch is checking" in markdown
    out = capsys.readouterr()
    assert "iteration: failed, left out of the tables: ours ieee graph" in out.out
    assert "Traceback" in out.err and "an illegal memory access" in out.err


def test_every_configuration_starts_from_seed_0s_weights_drawn_once(monkeypatch):
    """Each configuration raced builds a net: CaffeNet's weights (61 M Gaussian draws) were drawn again for
    each of about 40, seconds of the race step's limit each. Now drawn once, each net with its own copy."""
    sys.path.insert(0, str(SCRIPT.parent))
    import race
    from minitransfer import models
    from minitransfer.net import Net

    race._initial_weights.cache_clear()
    drawn, initialize = [], Net.initialize
    monkeypatch.setattr(Net, "initialize", lambda net, seed, layers=None: (drawn.append(seed),
                                                                           initialize(net, seed, layers)))
    nets = [race.initialized_net("mini", 10) for _ in range(3)]
    assert drawn == [0]
    fresh = models.mini(10)
    initialize(fresh, 0)
    for net in nets:
        for name, (weight, bias) in fresh.weights().items():
            assert (net.weights()[name][0] == weight).all() and (net.weights()[name][1] == bias).all(), name
    first, second = (net.weight_layers[0].weight.data for net in nets[:2])
    assert not np.shares_memory(first, second)
