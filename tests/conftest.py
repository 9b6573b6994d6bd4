"""Shared test configuration: the ``gpu`` marker skips with a reason when no CUDA device is usable;
the poisoning ``cp`` fixture; ``cuda_xp``, the CUDA backend under test (emulated or a real GPU);
the small synthetic dataset the training and CLI tests train on."""

import pytest

import cuda_emulator
from minitransfer import cuda
from minitransfer.data import synthetic


def _gpu_skip_reason():
    try:
        cuda.cupy()
    except cuda.CudaUnavailable as error:
        return f"no usable CUDA device: {error}"
    return None


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    reason = _gpu_skip_reason()
    if reason:
        for item in gpu_items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def cp(monkeypatch):
    """CuPy, with ``cupy.empty`` / ``cupy.empty_like`` returning poisoned memory (every byte 0xFF:
    NaN for floats, -1 / max for integers), so a kernel that leaves an output element unwritten
    fails its comparison. Launchers must allocate through ``cupy.empty`` / ``cupy.empty_like``."""
    cupy = cuda.cupy()
    real_empty, real_empty_like = cupy.empty, cupy.empty_like

    def poison(a):
        a.reshape(-1).view(cupy.uint8).fill(0xFF)  # reshape first: 0-d arrays have no byte view
        return a

    monkeypatch.setattr(cupy, "empty", lambda *args, **kwargs: poison(real_empty(*args, **kwargs)))
    monkeypatch.setattr(cupy, "empty_like", lambda *args, **kwargs: poison(real_empty_like(*args, **kwargs)))
    return cupy


@pytest.fixture(params=["emulated", pytest.param("gpu", marks=pytest.mark.gpu)])
def cuda_xp(request, monkeypatch, tmp_path_factory):
    """The CuPy module of the CUDA backend under test: the CPU emulation of ``tests/cuda_emulator.py``,
    or a real GPU's with poisoned allocations (``cp``)."""
    if request.param == "gpu":
        return request.getfixturevalue("cp")
    if not cuda_emulator.AVAILABLE:
        pytest.skip(cuda_emulator.REASON)
    cuda_emulator.install(monkeypatch, cuda_emulator.cache_dir(tmp_path_factory))
    return cuda.cupy()


@pytest.fixture(scope="session")
def synthetic_8(tmp_path_factory):
    """An 8-class synthetic dataset (40 train + 10 val images per class, 36 x 36): its path as a string."""
    path = tmp_path_factory.mktemp("data") / "synthetic-8"
    synthetic.build_synthetic(path, classes=8, train_per_class=40, val_per_class=10, size=36, seed=1)
    return str(path)
