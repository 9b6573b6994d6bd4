"""A net on CUDA checks its convolutions' shapes against the kernels' 32-bit indices before its pass
launches anything, naming the layer (``Net.forward``). Before, only each launch checked, and a layer
past the limits was refused as "conv2d: ..." after the layers below it had run, naming no layer."""

import numpy as np
import pytest

import cuda_emulator
from minitransfer import cuda, layers
from minitransfer.net import Net

BATCH = 2**14  # conv2's output 2^14 x 256 x 32 x 32 = 2^32 elements; x and conv1's 2^24


@pytest.fixture
def emulator(monkeypatch, tmp_path_factory):
    """The CUDA emulation recording launches without running them (large shapes stay virtual)."""
    return cuda_emulator.install(monkeypatch, cuda_emulator.cache_dir(tmp_path_factory), execute=False)


def _net():
    net = Net("sizes", [layers.Conv2d("conv1", 1, 1, 1), layers.Conv2d("conv2", 1, 256, 1), layers.Flatten("flat"),
                        layers.Linear("fc", 256 * 32 * 32, 2)], (1, 32, 32))
    net.initialize(seed=0)
    return net.to("cuda")


def test_a_layer_past_the_kernels_limits_is_refused_by_name_before_any_launch(emulator):
    cp = cuda.cupy()
    x, labels = cp.empty((BATCH, 1, 32, 32), np.float32), cp.zeros(BATCH, np.int32)
    with pytest.raises(ValueError, match=r"^conv2: conv2d: the CUDA kernels index with 32-bit integers; y of "
                                         r"4294967296 elements is too large .*; x \(16384, 1, 32, 32\), w \(256, 1, 1, "
                                         r"1\)"):
        _net().forward(x, labels, train=True)
    assert emulator.launches == []

