"""Exit codes an audit found out of line: `--device cuda` where no GPU is usable exited 1 in train and
eval but 2 in demo and experiment (one cause, now 2 everywhere; a device seen, then gone, stays 1);
experiment warned about its iterations before refusing the device; report's exit 1 with runs
training and none finished, which README's "in use by another process" (2) seemed to contradict."""

import pathlib
import sys
import types

import pytest
from click.testing import CliRunner

from minitransfer import cuda
from minitransfer.cli import _errors, main
from minitransfer.run_lock import RunLock

README = " ".join((pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text().split())
EXIT_CODES = README.split("Exit codes: 0 done, ", 1)[1].split(" 65 bad data", 1)[0]


@pytest.fixture(autouse=True)
def no_gpu_given(monkeypatch):
    """No grid nor SLURM gave these tests' process a GPU (were they run inside a SLURM array task)."""
    for name in cuda.GIVEN_A_GPU:
        monkeypatch.delenv(name, raising=False)


def fake_cupy(device_count):
    """A cupy module whose getDeviceCount is ``device_count()`` (which may raise)."""
    class CUDARuntimeError(RuntimeError):
        def __init__(self, status):
            super().__init__(f"cudaError {status}")
            self.status = status

    runtime = types.SimpleNamespace(CUDARuntimeError=CUDARuntimeError, getDeviceCount=device_count)
    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime)), CUDARuntimeError


def raising(error):
    def count():
        raise error
    return count


@pytest.mark.parametrize("status, kind", [(100, cuda.NoGpu), (35, cuda.NoGpu), (46, cuda.CudaUnavailable)],
                         ids=["no-device", "no-driver", "device-busy"])
def test_no_gpu_here_is_told_apart_from_a_gpu_that_fails(monkeypatch, status, kind):
    module, error = fake_cupy(None)
    module.cuda.runtime.getDeviceCount = raising(error(status))
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(cuda, "_device_seen", False)
    with pytest.raises(cuda.CudaUnavailable) as raised:
        cuda.cupy()
    assert type(raised.value) is kind


def test_a_device_gone_after_one_was_seen_is_the_runs_failure_not_a_usage_error(monkeypatch):
    counts = iter([1, 0])
    module, _ = fake_cupy(lambda: next(counts))
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(cuda, "_device_seen", False)
    assert cuda.cupy() is module
    with pytest.raises(cuda.CudaUnavailable) as raised:
        cuda.cupy()
    assert type(raised.value) is cuda.CudaUnavailable


@pytest.mark.parametrize("error, code", [(cuda.NoGpu("none"), 2), (cuda.CudaUnavailable("lost"), 1)],
                         ids=["no-gpu", "gpu-lost"])
def test_the_exit_code_of_each(error, code):
    def work():
        raise error

    with pytest.raises(SystemExit) as raised:
        _errors.run(work)
    assert raised.value.code == code


def test_train_and_eval_refuse_device_cuda_without_cupy_as_demo_and_experiment_do(micro_data, tmp_path,
                                                                                  monkeypatch):
    net = tmp_path / "net.h5"
    trained = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(net), "--max-iter", "1",
                                        "--device", "cpu", "--quiet"])
    assert trained.exit_code == 0, trained.output
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy fails, GPU machine or not
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    commands = {"train": ["train", "--data", micro_data, "-o", str(tmp_path / "gpu.h5"), "--max-iter", "1"],
                "eval": ["eval", str(net)], "experiment": ["experiment", "--data", micro_data, "-o",
                                                          str(tmp_path / "grid"), "--layers", "1"],
                "demo": ["demo", "-o", str(tmp_path / "demo")]}
    for name, command in commands.items():
        result = CliRunner().invoke(main, [*command, "--device", "cuda"])
        assert result.exit_code == 2, (name, result.output)
        assert "CuPy" in result.output and "Traceback" not in result.output, (name, result.output)
        helped = " ".join(CliRunner().invoke(main, [name, "--help"], terminal_width=200).output.split())
        assert "--device cuda where no GPU is usable" in helped and "1 error (--device" not in helped, name
    assert "--device cuda` where no GPU is usable" in EXIT_CODES.split("2 usage", 1)[1]


def test_experiment_refuses_the_device_before_its_warnings(micro_data, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), "--layers",
                                       "1", "--max-iter", "4", "--device", "cuda"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --device cuda") and "warning" not in result.output, result.output


def test_report_with_runs_training_and_none_finished_exits_1_as_readme_and_help_say(tmp_path):
    folder = tmp_path / "runs" / "x.run"
    folder.mkdir(parents=True)
    with RunLock(folder):  # a train starting there, before its config.json
        result = CliRunner().invoke(main, ["report", str(tmp_path / "runs")])
    assert result.exit_code == 1, result.output
    assert "`report` when no run under RUNS has finished yet, whether or not its runs are training now" in \
        EXIT_CODES.split("2 usage", 1)[0]
    helped = " ".join(CliRunner().invoke(main, ["report", "--help"]).output.split())
    assert "1 error (no run under RUNS finished, training or not)" in helped


def test_a_run_a_grid_gave_a_gpu_that_finds_none_fails_so_the_grid_retires_that_gpu(monkeypatch):
    """A grid's run starts in a process of its own, which never saw a device: without a word from the grid,
    its GPU gone (fallen off the bus) read as a machine without GPUs, exit 2, and the grid, which retires a
    GPU whose runs exit 1, kept sending runs to it."""
    from minitransfer import grid_processes, grid_retirement
    environment = grid_processes.TrainProcesses(["train"], [3], preload=False, log=print)._environment(3)
    assert environment["CUDA_VISIBLE_DEVICES"] == "3"
    module, _ = fake_cupy(lambda: 0)
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(cuda, "_device_seen", False)
    monkeypatch.setattr(cuda.os, "environ", environment)
    with pytest.raises(cuda.CudaUnavailable) as raised:
        cuda.cupy()
    assert type(raised.value) is cuda.CudaUnavailable
    with pytest.raises(SystemExit) as exited:
        _errors.run(lambda: cuda.cupy())
    assert exited.value.code in grid_retirement.GPU_FAULT_CODES


def test_a_slurm_array_task_that_finds_no_gpu_fails_as_the_nodes_fault_not_a_usage_error(monkeypatch):
    """An emitted grid's task runs train --device cuda on the GPU SLURM gave it: none there read as an option
    this machine cannot satisfy (2), which transfers.sh words as "refused by train: an option, or a file in the
    way"."""
    module, _ = fake_cupy(lambda: 0)
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(cuda, "_device_seen", False)
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "4")
    with pytest.raises(SystemExit) as exited:
        _errors.run(lambda: cuda.cupy())
    assert exited.value.code == 1
