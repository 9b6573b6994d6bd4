"""A `minitransfer train` (`eval`, `info`, `experiment`) process imports no Pillow, and an `info` process no
multiprocessing: every grid task, SLURM task and test subprocess pays each import at start-up. Pillow with its
plugins (~0.1 s) is wanted only where images are decoded or encoded (prepare, a synthetic build, a base's mean
resized); multiprocessing (with its resource tracker) only where a decoder pool or the data loader runs. One fresh
interpreter runs each command's --help in turn (info's first, its modules printed then), so a module any of them
imports at the top is caught."""

import subprocess
import sys

COMMANDS = ("info", "train", "eval", "experiment")

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


def test_command_processes_import_no_pillow_and_info_no_multiprocessing():
    done = subprocess.run([sys.executable, "-c", PROBE.format(commands=COMMANDS)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    held = [line for line in done.stdout.split("\n") if " minitransfer.cli " in line]  # after each command
    assert len(held) == len(COMMANDS), done.stdout
    info, modules = set(held[0].split()), set(held[-1].split())
    for command in COMMANDS:  # the probe ran each command's help
        assert f"Usage: minitransfer {command} " in done.stdout, command
    assert "minitransfer.checkpoint" in info and "minitransfer.train" in modules  # the commands' modules loaded
    pillow = sorted(name for name in modules if name == "PIL" or name.startswith("PIL."))
    assert not pillow, pillow[:5]
    assert "multiprocessing" not in info
