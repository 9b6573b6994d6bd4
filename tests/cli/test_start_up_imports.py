"""A `minitransfer train` (`eval`, `info`, `experiment`) process imports no Pillow, and an `info` process no
multiprocessing: every grid task, SLURM task and test subprocess pays each import at start-up. Pillow with its
plugins (~0.1 s) is wanted only where images are decoded or encoded (prepare, a synthetic build, a base's mean
resized); multiprocessing (with its resource tracker) only where a decoder pool or the data loader runs. One fresh
interpreter runs each command's --help in turn (info's first, its modules printed then), so a module any of them
imports at the top is caught."""

from cli.test_help_imports import probe

COMMANDS = ("info", "train", "eval", "experiment")


def test_command_processes_import_no_pillow_and_info_no_multiprocessing():
    stdout = probe(*((command, "--help") for command in COMMANDS))
    held = [line for line in stdout.split("\n") if " minitransfer.cli " in line]  # after each command
    assert len(held) == len(COMMANDS), stdout
    info, modules = set(held[0].split()), set(held[-1].split())
    for command in COMMANDS:  # the probe ran each command's help
        assert f"Usage: minitransfer {command} " in stdout, command
    assert "minitransfer.checkpoint" in info and "minitransfer.train" in modules  # the commands' modules loaded
    pillow = sorted(name for name in modules if name == "PIL" or name.startswith("PIL."))
    assert not pillow, pillow[:5]
    assert "multiprocessing" not in info
