"""Each ``minitransfer prepare`` command's --help names the exit codes it exits with and what it writes. Only the
group's help listed codes: `prepare cifar10 --help` and the other importers' named none, `prepare synthetic --help`
neither its codes nor the files it writes, and `prepare verify --help` only 2 and 65, where verify also exits 74
(a shard held open by a writer), 75 and 141. The codes expected are the test's own (from cli/_errors' constants);
failures made here check that the codes the commands really exit with are among those their help names."""

import os
import re
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from exit_code_entries import exit_code_entries

import hangup
from minitransfer.cli import _errors, main
from minitransfer.cli.prepare import prepare

OK, ERROR, USAGE, BAD, IO = 0, _errors.EXIT_ERROR, _errors.EXIT_USAGE, _errors.EXIT_BAD_DATA, _errors.EXIT_IO
STOPPED, CLOSED = _errors.EXIT_INTERRUPTED, _errors.EXIT_OUTPUT_CLOSED
READERS = {OK, USAGE, BAD, IO, STOPPED, CLOSED}  # verify, overlap and synthetic: no process of their own to die
IMPORTERS = READERS | {ERROR}  # a decoding (or --workers) process killed; imagenet's --devkit without SciPy
EXPECTED = {"imagenet": IMPORTERS, "folder": IMPORTERS, "tiny-imagenet": IMPORTERS, "cifar10": IMPORTERS,
            "cifar100": IMPORTERS, "synthetic": READERS, "verify": READERS, "overlap": READERS}
SMALL = ["--classes", "4", "--train-per-class", "4", "--val-per-class", "2", "--size", "16"]


def _help(name):
    return CliRunner().invoke(main, ["prepare", name, "--help"], terminal_width=200).output


def named_codes(name):
    """The codes the "Exit codes:" paragraph of `prepare NAME --help` names ("0 done, 2 usage (...), ...")."""
    return set(exit_code_entries(_help(name)))


def test_every_prepare_command_is_checked():
    assert set(prepare.commands) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_prepare_help_names_the_codes_its_command_exits_with(name):
    assert named_codes(name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {"overlap"}))
def test_each_prepare_help_says_what_it_writes_before_its_example(name):
    shown = _help(name)
    writes = shown.index("Writes ")
    assert writes < shown.index("Exit codes: ") < shown.index("Example"), shown
    if name != "verify":
        assert all(file in shown for file in ("meta.json", "mean.h5", "train-00000.h5", "val-00000.h5", "lock"))


@pytest.fixture
def built(tmp_path):
    out = tmp_path / "s4"
    done = CliRunner().invoke(main, ["prepare", "synthetic", str(out), *SMALL])
    assert done.exit_code == 0, done.output
    return out


def test_what_prepare_synthetic_writes_is_each_named_in_its_help(built):
    shown = " ".join(_help("synthetic").split())
    written = sorted(path.name for path in built.iterdir())
    shards = [name for name in written if re.fullmatch(r"(train|val)-\d{5}\.h5", name)]
    assert {name.split("-")[0] for name in shards} == {"train", "val"}, written
    assert [name for name in written if name not in shards and name not in shown] == [], written


def _exit_code(arguments):
    result = CliRunner().invoke(main, ["prepare", *arguments])
    assert "Traceback" not in result.output, result.output
    return result.exit_code


def test_the_codes_verify_exits_with_are_named_in_its_help(built, tmp_path):
    codes = {_exit_code(["verify", str(built)])}
    codes.add(_exit_code(["verify", str(built / "meta.json")]))  # a file of the dataset, not its folder: usage
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time, h5py
        shard = h5py.File({str(built / "train-00000.h5")!r}, "a")  # open for writing, as a script may hold it
        print("held", flush=True)
        sys.stdin.read()""")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        locked = _exit_code(["verify", str(built)])
    finally:
        holder.communicate("")
    shard = built / "val-00000.h5"
    damaged = bytearray(shard.read_bytes())
    damaged[-100] ^= 0xFF
    shard.write_bytes(damaged)
    damaged_code = _exit_code(["verify", str(built)])
    assert (locked, damaged_code) == (IO, BAD)  # else the oracle below checks less than it means to
    codes |= {locked, damaged_code}
    assert codes == {OK, USAGE, IO, BAD}
    assert codes <= named_codes("verify")


def test_the_codes_synthetic_exits_with_are_named_in_its_help(built):
    codes = {_exit_code(["synthetic", str(built), *SMALL])}  # the rerun: nothing to do
    codes.add(_exit_code(["synthetic", str(built), *SMALL[:-1], "20"]))  # other options: --overwrite or another OUT
    (built / "val-00000.h5").unlink()
    (built / "val-00000.h5").mkdir()  # a folder where a shard is to be written
    (built / "val-00000.h5" / "x").touch()
    codes.add(_exit_code(["synthetic", str(built), *SMALL]))
    assert codes == {OK, USAGE, IO}
    assert codes <= named_codes("synthetic")


def test_a_reader_gone_is_141_as_prepare_verify_says(built):
    read_end, write_end = os.pipe()
    os.close(read_end)  # `minitransfer prepare verify s4 | head -0`: the reader gone before the first line
    try:
        done = subprocess.run([sys.executable, "-m", "minitransfer", "prepare", "verify", str(built)], cwd=built.parent,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300,
                              env=hangup.buffered_environment())
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (CLOSED, "")
    assert CLOSED in named_codes("verify")
