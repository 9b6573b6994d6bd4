"""The table from errors to exit codes names its classes as "module.Class", looked up only as an error is
caught, so that importing it imports none of their modules. Each class keeps the exit code and prefix the
table gave it when it held the classes themselves: the oracle below is that table, copied as it was, and
its rule (the first row whose class matches), applied to every exception class of the package."""

import signal
import subprocess
import sys

import pytest

from minitransfer import checkpoint, config, cuda, fileio, left_out, preflight_memory, report, results, resumed_logs
from minitransfer import report_folder, run_file_readers, run_lock, run_outcome, stopping
from minitransfer.cli import _errors
from minitransfer.cli._output import OutputUnwritable
from minitransfer.data import dataset, decoder_pool, devkit, schema
from test_errors import _exception_classes
from test_errors_pickled import _as_raised

# The table as it was, classes named as it named them: (class, exit code, prefix), the first match deciding.
TABLE_BEFORE = (
    (run_outcome.Interrupted, 75, "interrupted"),
    (KeyboardInterrupt, 75, "interrupted"),
    (config.ConfigError, 2, "error"),
    (run_lock.RunBusy, 2, "error"),
    (schema.NotADataset, 2, "error"),
    (schema.DatasetUnreadable, 74, "error: I/O"),
    (dataset.DatasetError, 65, "error: bad data"),
    (config.DataMismatch, 65, "error: bad data"),
    (checkpoint.CheckpointError, 65, "error: bad data"),
    (results.BadReference, 65, "error: bad data"),
    (resumed_logs.RunLogError, 65, "error: bad data"),
    (run_file_readers.FileUnreadable, 74, "error: I/O"),
    (left_out.UnreadableRun, 65, "error: bad data"),
    (report.RunFolderGiven, 2, "error"),
    (report.NoRuns, 1, "error"),
    (run_outcome.Diverged, 1, "error: training diverged"),
    (cuda.NoGpu, 2, "error"),
    (cuda.CudaUnavailable, 1, "error"),
    (devkit.MissingDependency, 1, "error"),
    (decoder_pool.WorkerDied, 1, "error"),
    (preflight_memory.OutOfMemory, 1, "error: out of memory"),
    (MemoryError, 1, "error: out of memory"),
    (OutputUnwritable, 74, "error"),
    (fileio.StorageError, 74, "error"),
    (OSError, 74, "error: I/O"),
)

BUILTINS = (KeyboardInterrupt, MemoryError, OSError, FileNotFoundError, PermissionError, ValueError, RuntimeError)


def _kinds():
    return sorted({row[0] for row in TABLE_BEFORE} | _exception_classes() | set(BUILTINS),
                  key=lambda kind: f"{kind.__module__}.{kind.__qualname__}")


def _made(kind, tmp_path):
    """An error of class ``kind`` as minitransfer raises it (:func:`test_errors_pickled._as_raised`), stops too."""
    if kind is run_outcome.Interrupted:
        return kind("stopped at iteration 3", tmp_path / "net.run" / "checkpoint.h5", 3)
    if kind is report_folder.WrittenWhole:
        return kind("SIGTERM", tmp_path / "report")
    return _as_raised(kind, tmp_path)


@pytest.fixture
def stop_handlers_kept():
    """The stop signals' handlers as they were: run() ignores them as it exits interrupted."""
    kept = {stop: signal.getsignal(stop) for stop in stopping.stop_signals_heard()}
    yield
    for stop, handler in kept.items():
        signal.signal(stop, handler)


@pytest.mark.parametrize("kind", _kinds(), ids=lambda kind: f"{kind.__module__}.{kind.__qualname__}")
def test_every_error_keeps_its_exit_code_and_prefix(kind, tmp_path, capsys, stop_handlers_kept):
    error = _made(kind, tmp_path)
    before = next(((code, prefix) for row_kind, code, prefix in TABLE_BEFORE if isinstance(error, row_kind)), None)

    def work():
        raise error

    if before is None:  # not in the table: raised on, untouched
        with pytest.raises(kind) as raised:
            _errors.run(work)
        assert raised.value is error
        return
    with pytest.raises(SystemExit) as exited:
        _errors.run(work)
    code, prefix = before
    assert exited.value.code == code
    assert capsys.readouterr().err.startswith(f"{prefix}: ")


def test_the_table_imports_none_of_its_classes_modules():
    """Imported alone (the command modules, which import what they use, left out), the table's module
    imports none of the modules its rows name that nothing else it needs imports: report (and its figures),
    run_outcome, paper_runs, ..."""
    script = (
        "import pathlib, sys, types; import minitransfer\n"
        "package = types.ModuleType('minitransfer.cli')\n"  # the package without its __init__: no command imported
        "package.__path__ = [str(pathlib.Path(minitransfer.__file__).parent / 'cli')]\n"
        "sys.modules['minitransfer.cli'] = package\n"
        "from minitransfer.cli import _errors\n"
        "print(' '.join(sorted(name for name in sys.modules if name.startswith('minitransfer'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert "minitransfer.cli._errors" in imported and "minitransfer.stopping" in imported  # the probe ran
    left_out = {"minitransfer.report", "minitransfer.figures", "minitransfer.run_outcome", "minitransfer.paper_runs",
                "minitransfer.resumed_logs", "minitransfer.run_file_readers", "minitransfer.left_out"}
    assert imported & left_out == set()
