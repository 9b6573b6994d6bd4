"""``experiment --dry-run`` of a grid of a preset registered by one's own script (docs/presets.md): each line's
train command, pasted into a new shell, trains the run. It said ``minitransfer train ... --preset own``, which a
new shell (no MINITRANSFER_PRESET_SOURCES) refused: "'own' is not a preset", exit 2."""

import os
import subprocess
import sys
import textwrap

from test_ownpreset_grid_runs import OWN

SOURCES = "MINITRANSFER_PRESET_SOURCES"  # models.PRESET_SOURCES: the shell a command is pasted into has none

MYNET = OWN + textwrap.dedent('''
    if __name__ == "__main__":
        from minitransfer.cli import main
        main(prog_name="minitransfer")
''')  # test_ownpreset_grid_runs's preset, its script's command line added


def new_shell_env():
    """This environment less MINITRANSFER_PRESET_SOURCES (a new shell's), with this checkout on PYTHONPATH."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return {**{name: value for name, value in os.environ.items() if name != SOURCES},
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


def test_a_dry_runs_train_command_of_a_registered_preset_runs_in_a_new_shell(micro_data, tmp_path):
    (tmp_path / "mynet.py").write_text(MYNET)
    env = new_shell_env()
    grid = tmp_path / "grid"
    planned = subprocess.run([sys.executable, "mynet.py", "experiment", "--data", micro_data, "-o", str(grid),
                              "--preset", "own", "--no-fine-tuned", "--device", "cpu", "--dry-run"],
                             cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    lines = planned.stdout.splitlines()
    base = next(index for index, line in enumerate(lines) if line.strip().endswith("] random0/baseA"))
    command = lines[base + 1].strip()
    assert "--preset own" in command, planned.stdout
    elsewhere = tmp_path / "new-shell"
    elsewhere.mkdir()
    pasted = subprocess.run(["bash", "-c", command], cwd=elsewhere, capture_output=True, text=True, env=env,
                            timeout=120)
    assert pasted.returncode == 0, f"{command}\n{pasted.stdout}{pasted.stderr}"
    assert (grid / "random0" / "baseA.h5").is_file()
