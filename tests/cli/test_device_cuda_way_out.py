"""`--device cuda` where no GPU is usable names both ways out, in every command that takes --device: install
CuPy (or check the driver), or compute on the CPU with --device cpu. train and eval said "the CUDA backend needs
CuPy: pip install ..." alone, naming neither --device nor its cpu; demo and experiment (their GPU check is the
grid's) named both."""

import pickle
import sys
import types

import pytest
from click.testing import CliRunner

from minitransfer import cuda
from minitransfer.cli import main


@pytest.fixture(autouse=True)
def no_gpu_given(monkeypatch):
    """No grid nor SLURM gave this process a GPU, and no GPU is listed: a machine without one."""
    for name in (*cuda.GIVEN_A_GPU, "CUDA_VISIBLE_DEVICES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cuda, "_device_seen", False)


def no_device_cupy():
    """A CuPy that is installed, but whose driver says there is no device (cudaErrorNoDevice, 100)."""
    class CUDARuntimeError(RuntimeError):
        status = 100

    def count():
        raise CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    runtime = types.SimpleNamespace(CUDARuntimeError=CUDARuntimeError, getDeviceCount=count)
    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))


@pytest.fixture(scope="module")
def network(micro_data, tmp_path_factory):
    net = tmp_path_factory.mktemp("net") / "net.h5"
    trained = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(net), "--max-iter", "1",
                                        "--device", "cpu", "--quiet"])
    assert trained.exit_code == 0, trained.output
    return str(net)


@pytest.mark.parametrize("cupy", [None, no_device_cupy()], ids=["cupy-missing", "cupy-without-device"])
@pytest.mark.parametrize("command", ["train", "eval", "experiment", "demo"])
def test_device_cuda_without_a_gpu_names_installing_and_device_cpu(command, cupy, micro_data, network, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    arguments = {"train": ["train", "--data", micro_data, "-o", str(tmp_path / "gpu.h5"), "--max-iter", "1"],
                 "eval": ["eval", network],
                 "experiment": ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), "--layers", "1"],
                 "demo": ["demo", "-o", str(tmp_path / "demo")]}[command]
    result = CliRunner().invoke(main, [*arguments, "--device", "cuda"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    line = lines[0]
    assert ("install" if cupy is None else "CuPy") in line, line  # the first way out: a GPU to compute on
    assert line.count("--device cpu") == 1, line


def test_the_way_out_is_said_once_when_the_error_is_pickled_across_processes():
    error = pickle.loads(pickle.dumps(cuda.NoGpu("no GPU")))
    assert str(error).count("--device cpu") == 1 and str(error).startswith("no GPU"), str(error)
