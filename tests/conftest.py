"""Shared test configuration: the ``gpu`` marker skips with a reason when no CUDA device is usable,
or, with ``--emulate-gpu``, runs its tests on the CPU emulation of ``tests/cuda_emulator.py`` (a check
that code drift has not broken them, no proof of the GPU); the poisoning ``cp`` fixture; ``cuda_xp``,
the CUDA backend under test (emulated or a real GPU); the small synthetic dataset the training and
CLI tests train on; ``placeholder_figures``, reports whose figures are not rendered; and for every
test a ``$MINITRANSFER_CACHE`` of its own (and for every test process a $HOME of its own, so that nothing
writes into the user's ~/.cache); with pytest-xdist (``-n auto``), one test process per
usable core and BLAS threads shared among them."""

import gc
import os
import shutil
import signal
import tempfile

import pytest

import cuda_emulator
import placeholders
from minitransfer import cpus, cuda, figures, models, stopping
from minitransfer.data import synthetic


def pytest_addoption(parser):
    parser.addoption("--emulate-gpu", action="store_true",
                     help="run the tests marked gpu on the CPU emulation of the CUDA backend (tests/cuda_emulator.py) "
                          "instead of a device; those marked gpu(no_emulation=why) still skip")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one test process per core this process may use (:func:`minitransfer.cpus.usable_cpus`:
    its affinity, its cgroups' CPU quota), not xdist's count of the machine's cores, which in a
    container of 2 cores' quota on a 64-core host started 64."""
    return cpus.usable_cpus()


def _private_home(config):
    """Every test process's $HOME, $XDG_CACHE_HOME and $MINITRANSFER_CACHE a temporary folder of its own, set
    before any fixture runs and inherited by every process a test starts: module- and session-scoped fixtures
    (set up before ``private_cache``), environments copied from them and commands run with them left the records
    of the datasets they verified (and the built-in benchmark) in the user's ~/.cache/minitransfer. A test of
    the default location sets HOME itself (monkeypatch), as before."""
    config.private_home = tempfile.mkdtemp(prefix="minitransfer-tests-home-")
    home = os.path.join(config.private_home, "home")
    os.mkdir(home)
    os.environ.update(HOME=home, XDG_CACHE_HOME=os.path.join(home, ".cache"),
                      MINITRANSFER_CACHE=os.path.join(config.private_home, "cache"))


def pytest_unconfigure(config):
    if getattr(config, "private_home", None):
        shutil.rmtree(config.private_home, ignore_errors=True)


def pytest_configure(config):
    """Each test process gets a HOME and cache of its own first (:func:`_private_home`). Test processes of
    xdist (``-n``) share the cores' BLAS threads: each loaded NumPy with a thread
    per core, and two processes' threads (and those of the trainings they start) taking turns on two
    cores made the suite's CPU time half as much again (measured: 433 s with a thread each, 598 s
    without, the whole suite with ``-n 2`` on 2 cores). The variables are set here, in the process
    that starts the workers, before they start and load NumPy; a value the user set is kept. Under ``--dist
    loadfile`` the controller sends the files in the order the workers collected them (:data:`LONG_FIRST`),
    its own reordering by their count of tests turned off."""
    _private_home(config)
    _stop_signals_answered()
    if _sends_files(config):
        config.option.loadscopereorder = False
    workers = getattr(config.option, "numprocesses", None)
    if not workers or hasattr(config, "workerinput") or any(name in os.environ for name in cpus.THREAD_VARIABLES):
        return
    os.environ.update(dict.fromkeys(cpus.THREAD_VARIABLES, str(max(1, cpus.usable_cpus() // workers))))


def _stop_signals_answered():
    """SIGINT and SIGHUP answered as in a terminal's foreground, where the suite was started with them ignored
    (``nohup pytest``, ``pytest &`` in a script), in this process and the test processes and commands it starts:
    tests that stop a command or a library call with them (report's folder swap, a train's SIGHUP) failed or
    waited out their deadline. ``timeout`` hid it: it gives its child both back."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _emulating_gpu(config):
    return config.getoption("--emulate-gpu")


def _gpu_skip_reason(config):
    if _emulating_gpu(config):
        return None if cuda_emulator.AVAILABLE else cuda_emulator.REASON
    try:
        cuda.cupy()
    except cuda.CudaUnavailable as error:
        return f"no usable CUDA device: {error}"
    return None


# The test files that take longest (seconds on two idle cores), which `--dist loadfile` sends first: xdist
# otherwise sends the files with the most tests first, and these hold few, so that one of them started last
# on one worker while the other had finished (test_science's grid alone trains for about 100 s).
LONG_FIRST = ("tests/test_science.py", "tests/test_step.py", "tests/cli/test_examples_experiment.py",
              "tests/cli/test_examples.py", "tests/cli/test_examples_readme.py", "tests/test_kill_anywhere.py",
              "tests/test_report.py", "tests/test_faults.py")


def _sends_files(config):
    """Whether xdist sends the tests a file at a time (``--dist loadfile``): in the controller, its option; in a
    worker, where xdist sets ``dist`` to "no", what the controller told it (:func:`pytest_configure_node`)."""
    told = getattr(config, "workerinput", {}).get("sends_files")
    return told if told is not None else getattr(config.option, "dist", "no") == "loadfile"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Tell each xdist worker whether the controller sends it files, so that it collects :data:`LONG_FIRST`
    first (the order the controller then sends them in)."""
    node.workerinput["sends_files"] = _sends_files(node.config)


def _long_first(items):
    """``items`` regrouped by file: :data:`LONG_FIRST` in its order, then by descending count of tests."""
    files = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)
    ranked = sorted(files.items(), key=lambda file: (LONG_FIRST.index(file[0]) if file[0] in LONG_FIRST
                                                     else len(LONG_FIRST), -len(file[1])))
    items[:] = [item for _, grouped in ranked for item in grouped]


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    """Collection with Python's cyclic garbage collector off, on again for the tests: every test process collects
    all ~900 files, and the assertion rewriting of each builds and drops thousands of AST nodes, which set off
    collections that each scanned the whole heap (NumPy, matplotlib, the test modules already loaded). Measured on
    2 cores: 21 s of CPU per test process to collect the suite, 13 s with the collector off (10 MB more memory).
    The objects collection leaves alive (modules, functions, test items) are then frozen (:func:`gc.freeze`):
    the full collections during the tests no longer scan them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return (yield)
    finally:
        if was_enabled:
            gc.collect()
            gc.freeze()
            gc.enable()


def pytest_collection_modifyitems(config, items):
    if _sends_files(config):  # on each worker, which tell the controller the order they collected
        _long_first(items)
    markers = {item: item.get_closest_marker("gpu") for item in items}
    gpu_items = [item for item, marker in markers.items() if marker is not None]
    if not gpu_items:
        return
    reason = _gpu_skip_reason(config)
    for item in gpu_items:
        why_not_emulated = markers[item].kwargs.get("no_emulation")
        if reason or (_emulating_gpu(config) and why_not_emulated):
            item.add_marker(pytest.mark.skip(reason=reason or f"not emulated: {why_not_emulated}"))


@pytest.fixture(autouse=True)
def stop_signal_dispositions():
    """The stop signals' handlers as they were before each test: a command run in this process (CliRunner)
    that exits interrupted (75) leaves them ignored, as it should in its own process, about to exit (a second
    stop must not change the exit code). Left so here, they were inherited by the processes later tests start:
    SIGHUP ignored is nohup's, and an import sent SIGHUP by a later test ran on to exit 0."""
    saved = {stop: signal.getsignal(stop) for stop in stopping.STOP_SIGNALS}
    yield
    for stop, handler in saved.items():
        if handler is not None and signal.getsignal(stop) is not handler:
            signal.signal(stop, handler)


@pytest.fixture(autouse=True, scope="session")
def not_waiting_for_the_disk():
    """``os.fsync`` in the test processes answers at once, without waiting for the disk: what it guards against,
    a power cut or a kernel panic, no test makes, and a test process spent about a fifth of its time waiting in
    fsync (measured on 2 cores: 336 fsyncs, 2.4 s of tests/cli/test_eval_info_faults.py's 12.7 s); the kernel
    writes the bytes back as before, later. A descriptor that is not open is still refused (EBADF, as fsync
    refuses it); a test of the order of fsyncs and renames wraps ``os.fsync`` as before and records the same
    calls; a test of a failing fsync replaces it as before. The processes the tests start fsync for real."""
    def fsync(descriptor):
        os.fstat(descriptor if isinstance(descriptor, int) else descriptor.fileno())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", fsync)
        yield


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """``$MINITRANSFER_CACHE`` an empty folder of this test's (not in its ``tmp_path``, which some tests
    list): train, eval and the demo write there (the built-in benchmark, the records of the dataset
    files found intact), never into the user's ~/.cache, nor where one test would see another's."""
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def built_in_presets(monkeypatch):
    """The presets the package registers, without those other tests register in this process (tests/toy_preset.py's
    8 px crops, which would fit images no built-in preset fits): for tests of advice that names presets."""
    monkeypatch.setattr(models, "PRESETS", {name: models.PRESETS[name] for name in ("caffenet", "mini", "micro")})


@pytest.fixture
def cp(request, monkeypatch, tmp_path_factory):
    """CuPy, with ``cupy.empty`` / ``cupy.empty_like`` returning poisoned memory (every byte 0xFF:
    NaN for floats, -1 / max for integers), so a kernel that leaves an output element unwritten
    fails its comparison. Launchers must allocate through ``cupy.empty`` / ``cupy.empty_like``.
    With ``--emulate-gpu``: the emulation's CuPy stand-in, which poisons its allocations itself."""
    if _emulating_gpu(request.config):
        cuda_emulator.install(monkeypatch, cuda_emulator.cache_dir(tmp_path_factory))
        return cuda.cupy()
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
        if _emulating_gpu(request.config):
            pytest.skip("the emulated parameter runs this test under --emulate-gpu")
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


@pytest.fixture(scope="session")
def micro_data(tmp_path_factory):
    """A 4-class synthetic dataset of 14 x 14 images (8 train + 4 val per class; the micro preset): its
    path as a string."""
    path = tmp_path_factory.mktemp("data") / "synthetic-4-micro"
    synthetic.build_synthetic(path, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    return str(path)


@pytest.fixture
def placeholder_figures(monkeypatch):
    """Reports whose figures are drawn (``figures.draw_all``) but not rendered: every PNG and SVG is a
    few placeholder bytes, not matplotlib's savefig (about 3 s a report on 2 cores). For tests that
    never look at the figure files; a test of the figures, their files, bytes, titles or presence,
    renders them."""
    monkeypatch.setattr(figures, "render", placeholders.render)
