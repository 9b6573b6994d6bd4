"""Which GPU each run of a grid gets (``--gpus``, :func:`minitransfer.cli._devices.choose_devices`):
CUDA's own numbering in this process, the run handed the parent's CUDA_VISIBLE_DEVICES entry. No GPU
needed: CuPy's device count is faked."""

import os
import sys
import types

import pytest
from click.testing import CliRunner

from minitransfer import config, cuda, experiment, grid_gpus, scheduler
from minitransfer.cli import main
from minitransfer.cli._devices import choose_devices


@pytest.fixture
def gpus_counted(monkeypatch):
    """CuPy that sees as many GPUs as CUDA_VISIBLE_DEVICES lists, or 4 without it."""
    def count():
        listed = os.environ.get("CUDA_VISIBLE_DEVICES")
        return 4 if listed is None else len(listed.split(","))

    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=count)))
    monkeypatch.setattr(cuda, "cupy", lambda: fake)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


@pytest.mark.parametrize("listed, gpus, runs_get", [
    ("2,3", "0", ("2",)),
    ("2,3", "1,0,1", ("3", "2", "3")),
    ("GPU-5e3a,MIG-77b1", "1", ("MIG-77b1",)),
    ("GPU-5e3a,MIG-77b1", "GPU-5e3a", ("GPU-5e3a",)),
    ("2,3", None, ("2", "3")),
    (None, "3,1", ("3", "1")),
    (None, None, ("0", "1", "2", "3")),
], ids=["index-into-slurm-set", "repeated", "index-to-mig", "uuid-listed", "default-slurm-set", "unset", "default"])
def test_gpu_ids_are_indices_into_the_visible_gpus(gpus_counted, monkeypatch, listed, gpus, runs_get):
    """--gpus 0 under a scheduler's CUDA_VISIBLE_DEVICES=2,3 gave the run CUDA_VISIBLE_DEVICES=0: a
    GPU outside the job's allocation (another user's), as CUDA numbers from 0 what it may see."""
    if listed is not None:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", listed)
    assert choose_devices("auto", gpus) == runs_get


@pytest.mark.parametrize("listed, visible", [
    ("0,-1,1", ("0",)),
    ("-1", ()),
    ("2,3,abc,4", ("2", "3")),
    ("GPU-5e3a, MIG-77b1,1", ("GPU-5e3a", "MIG-77b1", "1")),
    ("1,,2", ("1",)),
    ("", ()),
], ids=["minus-one-inside", "minus-one-alone", "text-inside", "uuids", "empty-entry", "empty"])
def test_cuda_visible_devices_is_read_up_to_its_first_invalid_entry_as_cuda_reads_it(
        gpus_counted, monkeypatch, listed, visible):
    """CUDA stops reading the list at an entry that is neither an index nor a UUID: under "0,-1,1"
    it shows GPU 0 alone, but the grid handed out GPU 1 too, and every run started there failed."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", listed)
    assert grid_gpus.visible_gpus() == visible
    assert choose_devices("auto") == (visible or (None,))


@pytest.mark.parametrize("listed, gpus, message", [
    ("2,3", "2", "--gpus 2: there is no GPU 2 here (CUDA_VISIBLE_DEVICES=2,3 lists 2, numbered from 0)"),
    (None, "0,4", "--gpus 0,4: there is no GPU 4 here (4 visible, numbered from 0)"),
    ("2,3", "GPU-5e3a", "--gpus GPU-5e3a: GPU GPU-5e3a is not among those this process may use "
                        "(CUDA_VISIBLE_DEVICES=2,3); give their indices, from 0"),
], ids=["outside-slurm-set", "beyond-count", "uuid-outside-set"])
def test_a_gpu_outside_the_visible_ones_is_refused(gpus_counted, monkeypatch, listed, gpus, message):
    if listed is not None:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", listed)
    with pytest.raises(config.ConfigError) as refused:
        choose_devices("cuda", gpus)
    assert str(refused.value) == message


def test_each_run_of_the_grid_gets_the_visible_entry(gpus_counted, monkeypatch, micro_data, tmp_path):
    """End to end: the dry run names the GPU each run is given, and the refusal is exit code 2."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "6,7")
    arguments = ["experiment", "--data", micro_data, "-o", str(tmp_path / "g"), "--layers", "1", "--dry-run"]
    done = CliRunner().invoke(main, [*arguments, "--gpus", "1"])
    assert done.exit_code == 0, done.output
    assert "would run on GPU 1 (CUDA_VISIBLE_DEVICES entry 7), one run each" in done.output, done.output
    done = CliRunner().invoke(main, [*arguments, "--gpus", "2"])
    assert done.exit_code == 2 and "--gpus 2: there is no GPU 2 here" in done.output, done.output


@pytest.mark.parametrize("listed, entry, name", [
    ("6,7", "7", "GPU 1 (CUDA_VISIBLE_DEVICES entry 7)"),
    ("GPU-5e3a,MIG-77b1", "MIG-77b1", "GPU 1 (CUDA_VISIBLE_DEVICES entry MIG-77b1)"),
    ("0,1", "1", "GPU 1"),
    (None, "3", "GPU 3"),
], ids=["slurm-set", "uuids", "same-numbers", "unset"])
def test_a_gpu_is_named_as_the_user_numbers_it_and_by_its_entry_where_they_differ(gpus_counted, monkeypatch, listed,
                                                                                   entry, name):
    if listed is not None:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", listed)
    assert grid_gpus.gpu_name(entry) == name


def test_the_grid_says_which_gpu_a_run_starts_on_as_gpus_numbers_it(gpus_counted, monkeypatch, tmp_path):
    """--gpus 1 under CUDA_VISIBLE_DEVICES=6,7: the run is handed entry 7, which the grid's log
    called "GPU 7", a GPU the user had not asked for by that number."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "6,7")
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[:1]
    devices = choose_devices("cuda", "1")
    shows_its_gpu = [sys.executable, "-c", "import os; print('handed', os.environ['CUDA_VISIBLE_DEVICES'])"]
    lines = []
    scheduler.run_grid(runs, tmp_path / "grid", {"data": "unused", "seed": 0}, train_command=shows_its_gpu,
                       devices=devices, log=lines.append, poll_seconds=0.01)
    assert "[1/1] start random0/baseA on GPU 1 (CUDA_VISIBLE_DEVICES entry 7)" in lines, lines
    assert "handed 7\n" in (tmp_path / "grid" / "random0" / "baseA.run" / "train.log").read_text()


def test_runs_that_together_need_more_memory_than_a_gpu_has_name_it_as_gpus_numbers_it(micro_data, tmp_path,
                                                                                        monkeypatch):
    from minitransfer import grid_check, preflight_memory
    from minitransfer.memory_limit import Available

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "6,7")
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(2**20, "MemAvailable in /proc/meminfo"))
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[:2]
    with pytest.raises(preflight_memory.OutOfMemory,
                       match=r"\(its slots: 2 on GPU 1 \(CUDA_VISIBLE_DEVICES entry 7\)\)"):
        grid_check.check_memory(runs, tmp_path / "g", {"data": micro_data, "max_iter": 4, "seed": 0}, ("7", "7"))


@pytest.mark.parametrize("given", [" 0 , 1 ", "0, 1", "\t0,1 "], ids=["blanks-around-each", "blank-after-comma", "tab"])
def test_gpu_ids_are_read_without_the_blanks_around_them(gpus_counted, tmp_path, micro_data, given):
    """--gpus ' 0 , 1 ' was kept as given: the GPUs were right, but each message quoted it with its
    blanks ("--gpus  0 , 1  chooses this machine's GPUs")."""
    arguments = ["experiment", "--data", micro_data, "-o", str(tmp_path / "g"), "--layers", "1", "--gpus", given]
    done = CliRunner().invoke(main, [*arguments, "--emit-slurm", str(tmp_path / "slurm")])
    assert done.exit_code == 2, done.output
    assert "Error: --gpus 0,1 chooses this machine's GPUs; with --emit-slurm" in done.output, done.output
    done = CliRunner().invoke(main, [*arguments, "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "would run on GPU 0, GPU 1, one run each" in done.output, done.output


@pytest.mark.parametrize("given, message", [
    ("all", "all is not a GPU index or UUID (e.g. --gpus 0,1; a UUID as nvidia-smi -L lists it, GPU-... or "
            "MIG-...) (leave --gpus out to use every visible GPU)"),
    ("-1", "-1 is not a GPU index or UUID (e.g. --gpus 0,1;"),
    ("0,1.5,x", "1.5, x is not a GPU index or UUID"),
    (" , ", "an empty GPU id in ' , ': give ids such as 0,1, or leave --gpus out to use every visible GPU"),
    # a UUID's prefix alone was taken, and named no GPU
    ("0,GPU-", "GPU- is not a GPU index or UUID"), ("MIG-", "MIG- is not a GPU index or UUID"),
    ("MIG-GPU-", "MIG-GPU- is not a GPU index or UUID"),
], ids=["all", "negative", "not-integers", "blanks-only", "gpu-prefix-alone", "mig-prefix-alone",
        "mig-gpu-prefix-alone"])
def test_malformed_gpu_ids_are_named(tmp_path, micro_data, given, message):
    done = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "g"), "--layers", "1",
                                     "--gpus", given, "--dry-run"])
    assert done.exit_code == 2 and f"Invalid value for '--gpus': {message}" in done.output, done.output
