"""The code blocks of the docs that no other test ran: docs/presets.md's script and its commands (a newcomer
measuring a network of their own pastes both), and the README's "From Python" script, whose calls are bound to
the signatures of the functions it names (it trains for about 20 s: too long to run in CI; its lines were read by
no test, so a keyword renamed in the library left it failing with a TypeError). tests/cli/test_examples*.py run
the README's and the ``--help``'s ``minitransfer`` lines; these are the other blocks."""

import ast
import dataclasses
import importlib
import inspect
import os
import pathlib
import re
import shlex
import subprocess
import sys

from help_examples import command_of

from minitransfer import findings, report
from minitransfer.run_outcome import TrainResult

ROOT = pathlib.Path(__file__).resolve().parents[1]
PRESETS = ROOT / "docs" / "presets.md"
README = ROOT / "README.md"
SOURCES = "MINITRANSFER_PRESET_SOURCES"  # models.PRESET_SOURCES: a test's own shell has none


def _blocks(path, language=""):
    """The code blocks of ``path`` whose opening fence names ``language`` ("" for those that name none)."""
    blocks, opened = [], None
    for line in path.read_text().splitlines():
        if line.startswith("```") and opened is None:
            opened, lines = line[3:].strip(), []
        elif line.startswith("```"):
            if opened == language:
                blocks.append("\n".join(lines) + "\n")
            opened = None
        elif opened is not None:
            lines.append(line)
    return blocks


def _unknown_options(words):
    command, rest = command_of(words)
    known = {option for parameter in command.params for option in parameter.opts + parameter.secondary_opts}
    return [word for word in rest if word.startswith("-") and word.split("=")[0] not in known]


def test_the_presets_pages_script_and_commands_run_as_written(tmp_path):
    """presets.md's mynet.py registers small5, prepares the 18 px set and plans n = 1..4 ("every one by
    default"); its report line, which needs the grid trained (minutes), has its options checked only."""
    script, = _blocks(PRESETS, "python")
    assert script.startswith("# mynet.py\n")
    (tmp_path / "mynet.py").write_text(script)
    lines = [line.split("#")[0].strip() for block in _blocks(PRESETS) for line in block.splitlines()
             if line.startswith("python mynet.py ")]
    assert [shlex.split(line)[2] for line in lines] == ["prepare", "experiment", "report"], lines
    env = {**{name: value for name, value in os.environ.items() if name != SOURCES},
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "MINITRANSFER_CACHE": str(tmp_path / "cache")}
    said = {}
    for line in lines:
        words = shlex.split(line)[2:]
        assert _unknown_options(words) == [], line
        if words[0] == "report":
            continue
        extra = ["--dry-run"] if words[0] == "experiment" else []  # the plan: training it takes minutes
        done = subprocess.run([sys.executable, "mynet.py", *words, *extra], cwd=tmp_path, capture_output=True,
                              text=True, env=env, timeout=300)
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
        said[words[0]] = done.stdout
    assert "of 18x18" in said["prepare"], said["prepare"]
    planned = set(re.findall(r"random0/([AB]\d)B\b", said["experiment"]))
    assert planned == {f"{half}{n}" for half in "AB" for n in range(1, 5)}, said["experiment"]
    assert "--preset small5" in said["experiment"]


def _resolve(node, names):
    """The object an expression of names and attributes names (``experiment.plan_grid``), else None."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, names)
        return getattr(owner, node.attr) if inspect.ismodule(owner) else None
    return None


def test_the_readmes_python_script_calls_the_library_as_it_is():
    """Each function the script calls takes the arguments it is given, and the attributes it reads of their
    results (a TrainResult's mean10_top1, a Report's findings, a Finding's text) are theirs."""
    script, = _blocks(README, "python")
    tree = ast.parse(script)
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = importlib.import_module(node.module)
            for alias in node.names:  # a module's function, or a submodule (from minitransfer import report)
                names[alias.asname or alias.name] = (getattr(module, alias.name) if hasattr(module, alias.name) else
                                                     importlib.import_module(f"{node.module}.{alias.name}"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _resolve(node.func, names)]
    assert len(calls) >= 7, ast.dump(tree)  # train twice, TrainConfig twice, evaluate_checkpoint, plan_grid ...
    for call in calls:
        function = _resolve(call.func, names)
        arguments = [None] * len(call.args)
        keywords = {keyword.arg: None for keyword in call.keywords}
        inspect.signature(function).bind(*arguments, **keywords)  # TypeError: the README passes what it takes not
    read = {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and not inspect.ismodule(_resolve(node.value, names))}
    fields = {field.name for cls in (TrainResult, report.Report, findings.Finding) for field in dataclasses.fields(cls)}
    assert read == {"mean10_top1", "findings", "text"} and read <= fields, read
