"""Which GPU each run of a grid gets (``--gpus``, :func:`minitransfer.cli._common.choose_devices`):
CUDA's own numbering in this process, the run handed the parent's CUDA_VISIBLE_DEVICES entry. No GPU
needed: CuPy's device count is faked."""

import os
import types

import pytest
from click.testing import CliRunner

from minitransfer import config, cuda, experiment
from minitransfer.cli import main
from minitransfer.cli._common import choose_devices


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
    assert experiment.visible_gpus() == visible
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
    assert done.exit_code == 0 and "would run on GPUs 7, one run each" in done.output, done.output
    done = CliRunner().invoke(main, [*arguments, "--gpus", "2"])
    assert done.exit_code == 2 and "--gpus 2: there is no GPU 2 here" in done.output, done.output
