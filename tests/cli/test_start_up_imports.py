"""A `minitransfer train` (`eval`, `info`, `experiment`) process imports no Pillow: every grid task, SLURM task and
test subprocess pays each import at start-up, and Pillow with its plugins (~0.1 s) is wanted only where images are
decoded or encoded (prepare, a synthetic build, a base's mean resized). One fresh interpreter runs each command's
--help in turn, so a module any of them imports at the top is caught."""

import subprocess
import sys

COMMANDS = ("train", "eval", "info", "experiment")

PROBE = """
import sys
from minitransfer.cli import main
for command in {commands!r}:
    try:
        main([command, "--help"], prog_name="minitransfer")
    except SystemExit as done:
        assert done.code == 0, (command, done.code)
print(" ".join(sorted(sys.modules)))
"""


def test_command_processes_import_no_pillow():
    done = subprocess.run([sys.executable, "-c", PROBE.format(commands=COMMANDS)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *printed, modules = done.stdout.rstrip("\n").split("\n")
    modules = set(modules.split())
    for command in COMMANDS:  # the probe ran each command's help
        assert f"Usage: minitransfer {command} " in "\n".join(printed), command
    assert "minitransfer.train" in modules  # the commands' own modules were loaded, so their imports were made
    pillow = sorted(name for name in modules if name == "PIL" or name.startswith("PIL."))
    assert not pillow, pillow[:5]
