"""Every example a user reads runs as written: each command's ``--help`` examples and the README's
``minitransfer`` lines, in the order they are shown (issue 14); the files the README names are those the
repository and ``train`` have, and its prose fits 100 columns.

An example that needs what a user brings is marked at its end and only its options are checked:
``# your data`` (their images, ImageNet, a cluster), ``# takes minutes`` (a whole grid or the demo,
which tests/cli/test_demo.py runs in miniature) or ``# after ...`` (the result of such a job).
Everything else runs on the built-in synthetic set. The ``--help`` examples run a chain of commands at a
time, each in a folder of its own (:data:`help_examples.CHAINS`); ``experiment``'s, which trains a grid, in
tests/cli/test_examples_experiment.py, so that another xdist worker runs it beside these; the README's
lines, which train four networks and resume one, in tests/cli/test_examples_readme.py, for the same reason.
"""

import pathlib
import re

import pytest

from help_examples import (CHAINS, ORDER, examples as _examples, readme_blocks as _readme_blocks, run_chain,
                           run_or_check as _run_or_check)
from minitransfer.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def test_every_command_is_in_one_chain_of_examples():
    """A command in no chain would have its examples run by no test."""
    assert len(ORDER) == len(set(ORDER)) and set(ORDER) == set(main.commands), (ORDER, sorted(main.commands))


def test_the_prepare_and_splits_examples_run_or_are_marked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    ran, marked = run_chain(CHAINS[0])
    assert any(line.startswith("minitransfer splits ") for line in ran)
    assert any(" prepare folder " in line for line in marked)


def test_the_train_eval_and_info_examples_run_or_are_marked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    ran, _ = run_chain(CHAINS[1])
    assert any(" train " in line and "--copy-from" in line for line in ran)
    assert any(line.startswith("minitransfer eval ") for line in ran)
    assert any(line.startswith("minitransfer info ") for line in ran)


def test_the_readmes_count_of_the_lines_it_times_is_that_of_its_block():
    """"these six lines took 21 s" stood above a block of eight: a newcomer timing them saw more."""
    text = README.read_text()
    said = re.search(r"these (\w+)\s+lines take", text)
    assert said, "the README no longer times the lines of 'One network at a time'"
    block = re.search(r"^```[^\n]*\n(.*?)^```", text[said.end():], flags=re.S | re.M)
    words = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
    assert words.index(said[1]) + 1 == len(_examples(block[1]))


def test_the_readmes_layout_names_every_module_and_only_what_is_there():
    """The Layout block left out five modules (cpus.py, host_memory.py, launcher.py, stopping.py,
    treatments.py): a newcomer looking for where the signals are handled did not find it there."""
    layout = next(block for block in _readme_blocks()[0] if block.startswith("kernels/"))
    entries = [line.split()[0] for line in layout.splitlines() if line[:1].strip()]  # kernels/, minitransfer/ ...
    assert [entry for entry in entries if not (ROOT / entry).exists()] == []
    named = set(re.findall(r"(?<![\w*])(\w+\.(?:py|cuh?))\b", layout))
    there = {path.name for path in ROOT.glob("**/*")
             if path.is_file() and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)}
    assert named - there == set(), "the layout names files the repository lacks"
    modules = {path.name for path in (ROOT / "minitransfer").glob("*.py") if not path.name.startswith("__")}
    assert modules - named == set(), "modules the layout does not name"
    packages = {path.name + "/" for path in (ROOT / "minitransfer").iterdir() if (path / "__init__.py").is_file()}
    assert packages - set(re.findall(r"\b\w+/", layout)) == set(), "packages the layout does not name"


def test_the_readmes_links_lead_to_files_and_its_prose_fits_100_columns():
    blocks, prose = _readme_blocks()
    links = re.findall(r"\]\(([^)#]+)\)", prose)
    assert links and [link for link in links if not (ROOT / link).exists()] == []
    commands = [line.split()[1] for block in blocks for line in block.splitlines()
                if re.match(r"(\.venv/bin/python|bash) benchmarks/", line)]
    assert commands and [path for path in commands if not (ROOT / path).is_file()] == []
    wide = [line for line in prose.splitlines() if len(line) > 100 and not line.startswith("![")]  # a figure's link
    assert wide == []


def test_an_unmarked_failing_example_or_an_unknown_option_is_caught(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for line in ("minitransfer eval missing.h5", "minitransfer train --no-such-option 1   # your data"):
        with pytest.raises(AssertionError):
            _run_or_check(line)
