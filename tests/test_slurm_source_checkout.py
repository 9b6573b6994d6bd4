"""``--emit-slurm`` from a source checkout: no ``minitransfer`` script beside the Python, which the train
command then runs as ``python -m minitransfer``, and the package not installed in it."""

import os
import pathlib
import subprocess
import sys
import sysconfig

from minitransfer import grid_status, slurm
from minitransfer import experiment as grid
from test_slurm import GUARD_SECONDS, fake_slurm, real_options, scripts_id_of  # noqa: F401 (fixture)


def python_without_minitransfer(folder):
    """A virtual environment in ``folder`` holding what this one holds but minitransfer: its Python."""
    site_packages = pathlib.Path(sysconfig.get_paths()["purelib"])
    copy = folder / site_packages.relative_to(sys.prefix)
    copy.mkdir(parents=True)
    for entry in site_packages.iterdir():
        if "minitransfer" not in entry.name:
            (copy / entry.name).symlink_to(entry)
    (folder / "pyvenv.cfg").write_text((pathlib.Path(sys.prefix) / "pyvenv.cfg").read_text())
    python = folder / "bin" / "python"
    python.parent.mkdir()
    python.symlink_to(os.path.realpath(sys.executable))
    return python


def test_task_of_scripts_written_from_a_source_checkout_imports_minitransfer_there(tmp_path, fake_slurm,
                                                                                  monkeypatch):
    """The task runs in the scripts' folder, where Python found no minitransfer: the run failed at once
    (ModuleNotFoundError) unless the package was installed or PYTHONPATH exported by hand."""
    python = python_without_minitransfer(tmp_path / "venv")
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    probe = subprocess.run([python, "-c", "import minitransfer"], cwd=tmp_path, env=env, capture_output=True)
    assert probe.returncode != 0  # the environment cannot import it by itself
    monkeypatch.setattr(sys, "executable", str(python))
    assert grid.default_train_command()[1:3] == ["-m", "minitransfer"]
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm([run], out, scripts, real_options())

    env.update(SLURM_ARRAY_JOB_ID="7", SLURM_ARRAY_TASK_ID="0", SLURM_JOB_ID="7", OMP_NUM_THREADS="1")
    done = subprocess.run(["bash", str(scripts / slurm.BASES_FILE), scripts_id_of(scripts), "0"], cwd=scripts, env=env,
                          capture_output=True, text=True, timeout=GUARD_SECONDS)
    log = (grid.run_dir(out, run) / grid.LOG_FILE).read_text()
    assert done.returncode == 0, done.stdout + done.stderr + log
    assert grid_status.is_finished(out, run), log
