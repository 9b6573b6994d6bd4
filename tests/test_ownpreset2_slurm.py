"""The scripts of --emit-slurm ran ``minitransfer train --preset small5`` in the environment of submit.sh's
shell, which need not know where the code registering that preset is (MINITRANSFER_PRESET_SOURCES, set
by models.register in the process that wrote the scripts): every task failed, "'small5' is not a preset".
They export the sources noted as the scripts were written, quoted for the shell whatever the path holds."""

import dataclasses
import json

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_status, models, slurm
from test_slurm import GUARD_SECONDS, fake_slurm, run_task  # noqa: F401 (fake_slurm: a fixture)

REGISTERING = """\
import dataclasses
from minitransfer import models
models.register(dataclasses.replace(models.get("micro"), name="small5", default_image_sizes=None))
"""


@pytest.fixture
def small5(tmp_path, monkeypatch):
    """small5 registered here by a script in a folder whose name the shell would read otherwise."""
    folder = tmp_path / "it's my \"own\" $HOME `net`"
    folder.mkdir()
    (folder / "mynet.py").write_text(REGISTERING)
    monkeypatch.setitem(models.PRESETS, "small5", dataclasses.replace(models.get("micro"), name="small5"))
    monkeypatch.setenv(models.PRESET_SOURCES, json.dumps({"small5": ["__main__", str(folder / "mynet.py")]}))


@pytest.mark.usefixtures("small5")
def test_a_task_of_a_grid_of_ones_own_preset_finds_the_code_registering_it(tmp_path, fake_slurm, micro_data,
                                                                              monkeypatch):
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    options = {"data": micro_data, "preset": "small5", "max_iter": 4, "eval_every": 2, "batch_size": 8, "seed": 0,
               "device": "cpu"}
    slurm.emit_slurm([run], out, scripts, options)
    monkeypatch.delenv(models.PRESET_SOURCES)  # submit.sh's shell: a new one, which ran no registering code
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    log = grid.run_dir(out, run) / grid.LOG_FILE
    assert task.returncode == 0, output + (log.read_text() if log.exists() else "")
    assert grid_status.is_finished(out, run)


def test_the_scripts_of_a_grid_of_the_packages_presets_export_no_sources(tmp_path, monkeypatch):
    monkeypatch.delenv(models.PRESET_SOURCES, raising=False)
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm",
                     {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"})
    assert models.PRESET_SOURCES not in (tmp_path / "slurm/bases.sh").read_text()
