"""Review of the day's refactors that were to change no behaviour: the names moved out of run_lock and config
stay importable from where callers import them, each module imports alone (no import cycle), the reader-gone
context manager keeps the two blocks' rules, the emulator's shared compile cache keeps a library another
worker put in place first, and the CPU references' faster forms keep their bits on the odd inputs (NaN, ±inf,
−0.0 in the mean image, a crop as large as the image, pools with NaN pixels and strides past the window)."""

import ast
import errno
import itertools
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

import cuda_emulator
from minitransfer import config, config_checks, config_records, file_locks, lock_holder, run_lock, stopping
from minitransfer.cli import _output
from minitransfer.cli import train as train_cli
from minitransfer.ops import augment, max_pool2d
from test_cpu_speed_identity import augment_loop

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", ["config_records", "config", "lock_holder", "run_lock", "cli._output",
                                    "cli.train", "checkpoint_identity", "preflight", "data.schema", "transfer"])
def test_each_refactored_module_imports_alone(module):
    """A fresh interpreter importing the module first: a cycle through the moved names fails here."""
    done = subprocess.run([sys.executable, "-c", f"import minitransfer.{module}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def _defined_public_names(module):
    """The public names a module's own top level defines (def, class, assignment), imports aside."""
    names = set()
    for node in ast.parse(pathlib.Path(module.__file__).read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return {name for name in names if not name.startswith("_")}


def test_run_lock_lists_every_name_of_its_own_and_the_two_it_re_exports():
    """run_lock's new __all__ hides from ``import *`` whatever it does not list: each of its own public names
    must be there, and holder_named, pid_named must be lock_holder's own functions, not copies."""
    assert set(run_lock.__all__) == _defined_public_names(run_lock) | {"holder_named", "pid_named"} | set(
        file_locks.__all__)  # the primitives of flock, moved to file_locks (health66b), importable as before
    assert run_lock.holder_named is lock_holder.holder_named and run_lock.pid_named is lock_holder.pid_named
    assert all(getattr(run_lock, name) is getattr(file_locks, name) for name in file_locks.__all__)
    namespace = {}
    exec("from minitransfer.run_lock import *", namespace)
    assert {"holder_named", "pid_named", "RunLock", "RunBusy", "try_lock", "same_file"} <= set(namespace)


def test_config_re_exports_what_its_all_names_and_schedule_refused_is_config_records_own():
    assert all(hasattr(config, name) for name in config.__all__), config.__all__
    assert config.ScheduleRefused is config_records.ScheduleRefused
    assert issubclass(config.ScheduleRefused, config_checks.ConfigError)
    error = config.ScheduleRefused("solver: `gamma` 1e-20 steps the learning rate below ...")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is config.ScheduleRefused and again.args == error.args


@pytest.mark.parametrize("number", [errno.EPIPE, errno.EIO])
def test_a_reader_gone_inside_the_context_drops_stdout_and_goes_on(monkeypatch, number):
    dropped = []
    monkeypatch.setattr(stopping, "drop_stream", dropped.append)
    with _output.dropped_if_reader_gone():
        raise OSError(number, "the reader went away")
    assert dropped == [sys.stdout]


def test_another_write_error_inside_the_context_is_raised_as_it_was(monkeypatch):
    dropped = []
    monkeypatch.setattr(stopping, "drop_stream", dropped.append)
    full = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OSError) as raised:
        with _output.dropped_if_reader_gone():
            raise full
    assert raised.value is full and dropped == []
    with pytest.raises(KeyError):  # not a write's error at all: untouched
        with _output.dropped_if_reader_gone():
            raise KeyError("x")


def test_trains_result_line_to_a_reader_gone_drops_stdout_and_exits_normally(monkeypatch):
    dropped = []
    monkeypatch.setattr(stopping, "drop_stream", dropped.append)

    def echo(_):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(train_cli, "echo", echo)
    monkeypatch.setattr(train_cli, "result_line", lambda result: "trained")
    train_cli._say_result(object())
    assert dropped == [sys.stdout]


def test_the_emulator_keeps_the_library_another_worker_put_in_place_first(monkeypatch, tmp_path):
    """Two xdist workers compiling one kernel at once: the second to finish must keep the first's library
    (which the first may have loaded already) and leave no staging folder behind."""
    compiled = []

    def fake_gxx(command, **_):
        output = pathlib.Path(command[command.index("-o") + 1])
        if not compiled:  # while this worker compiles, another one finishes and renames its folder in place
            theirs = tmp_path / output.parent.name.rsplit(".", 1)[0]
            theirs.mkdir()
            (theirs / output.name).write_bytes(b"the other worker's library")
        compiled.append(command)
        output.write_bytes(b"this worker's library")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(cuda_emulator.subprocess, "run", fake_gxx)
    library = cuda_emulator.build("augment", tmp_path)
    assert library.read_bytes() == b"the other worker's library"
    assert [path.name for path in tmp_path.iterdir()] == [library.parent.name]
    assert cuda_emulator.build("augment", tmp_path) == library and len(compiled) == 1  # found, not compiled again


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, crop", [((3, 4, 4, 3), 4), ((2, 1, 1, 3), 1), ((1, 5, 7, 3), 2)])
def test_augment_keeps_the_loops_bits_where_the_mean_holds_nan_inf_and_negative_zero(shape, crop, dtype):
    rng = np.random.default_rng(crop + shape[0])
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    mean = rng.choice(np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 255.0, 17.25], dtype), size=shape[1:])
    images[..., 0] = 0  # 0 − (−0.0) and 0 − 0.0: the sign of each zero kept
    for train, seed in itertools.product([True, False], range(3)):
        got = augment.forward(images, mean, crop, train, seed=seed, iteration=1)
        assert got.tobytes() == augment_loop(images, mean, crop, train, seed, 1).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size, stride, pad", [(3, 5, 2), (2, 1, 1), (4, 4, 3), (1, 3, 0)])
def test_max_pools_first_real_pixel_is_the_candidate_at_the_first_real_offset(size, stride, pad, dtype):
    """_first_real reads from the padded input what take_along_axis read from the candidates before."""
    x = np.random.default_rng(size * stride).standard_normal((2, 3, 7, 6)).astype(dtype)
    x[x > 0.5] = np.nan
    size, stride, pad, P, Q = max_pool2d.check_forward("max_pool2d", x, size, stride, pad)
    padded = max_pool2d._padded(x, size, stride, pad, P, Q)
    candidates = np.stack([max_pool2d._at_offset(padded, i, j, stride, P, Q)
                           for i in range(size) for j in range(size)])
    first = (np.maximum(pad - np.arange(P) * stride, 0)[:, None] * size
             + np.maximum(pad - np.arange(Q) * stride, 0))[:, :, None, None]
    want = np.take_along_axis(candidates, np.broadcast_to(first, candidates.shape[1:])[None], axis=0)[0]
    assert max_pool2d._first_real(padded, stride, pad, P, Q).tobytes() == want.tobytes()
