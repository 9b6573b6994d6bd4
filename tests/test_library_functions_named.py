"""The package's docstring names the function behind each command a notebook calls: every name it gives
is one that imports, and every command that trains, scores or writes a dataset or report has one."""

import importlib
import re

import minitransfer


def _named():
    """{command: [dotted names]} of the docstring's table (a name alone continues the module before it)."""
    table = minitransfer.__doc__.split("Every command is a function too", 1)[1]
    named, command, module = {}, None, None
    for line in table.splitlines():
        match = re.match(r"    (\w+) +(.*)", line)
        if match:
            command = match.group(1)
        elif not re.match(r" {10,}\S", line):
            continue
        for name in re.findall(r"[\w.]+", re.sub(r"\(.*?\)|,|\band\b|then|a TrainResult", " ", line.strip())):
            if name == command:
                continue
            module = name.rpartition(".")[0] if "." in name else module
            named.setdefault(command, []).append(name if "." in name else f"{module}.{name}")
    return named


def test_each_command_names_functions_that_import():
    named = _named()
    assert set(named) >= {"prepare", "train", "experiment", "report", "eval", "demo"}
    for command, names in named.items():
        for name in names:
            module, _, function = name.rpartition(".")
            assert callable(getattr(importlib.import_module(module), function)), (command, name)
