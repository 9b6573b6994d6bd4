"""The options of ``--emit-slurm`` as a researcher gives them: --time past what SLURM holds or in
digits sbatch does not read, a field above its range (said, as sbatch carries it over), --partition
and --gres with characters sbatch reads on an #SBATCH line, and a plan whose array task indices pass
SLURM's default MaxArraySize. No SLURM needed: the emitted text is read as sbatch reads it."""

import shlex

import pytest
from click.testing import CliRunner
from test_slurm import OPTIONS, sbatch_lines

from minitransfer import slurm, slurm_sbatch
from minitransfer import experiment as grid
from minitransfer.cli import main

# Slurm's time_str2secs sums the fields as seconds in a C int and rounds up to whole minutes
INT_MAX = 2147483647
LONGEST_MINUTES = (INT_MAX - 59) // 60


def emit_cli(tmp_path, data, *arguments):
    return CliRunner().invoke(main, ["experiment", "--data", data, "--layers", "1", "--device", "cpu", "-o",
                                     str(tmp_path / "grid"), "--emit-slurm", str(tmp_path / "slurm"), *arguments])


@pytest.mark.parametrize("text", ["1000000000000000000000000000000", str(LONGEST_MINUTES + 1), "24856-0",
                                  "596524:00:00", "9" * 5000],
                         ids=["huge-minutes", "one-minute-over", "days-over", "hours-over", "5000-digits"])
def test_a_time_limit_longer_than_slurm_holds_is_refused(text):
    """Before: written into the scripts as given, where sbatch's int arithmetic overflows (5000 digits
    gave Python's own "Exceeds the limit (4300 digits)" error)."""
    with pytest.raises(ValueError, match=r"is longer than SLURM can hold .*give 0 or UNLIMITED for no limit; "
                                         r"expected minutes, MM:SS, HH:MM:SS"):
        slurm.parse_time_limit(text)


def test_the_longest_time_limit_slurm_holds_is_taken():
    assert slurm.parse_time_limit(str(LONGEST_MINUTES)) == LONGEST_MINUTES * 60
    # rounded up to minutes as (seconds + 59) / 60: the next minute overflows
    assert LONGEST_MINUTES * 60 + 59 <= INT_MAX < (LONGEST_MINUTES + 1) * 60 + 59


@pytest.mark.parametrize("text", ["\u0669\u0660", "\uff19\uff10", "1-\u0661"], ids=["arabic-indic", "fullwidth",
                                                                                      "days-arabic-indic"])
def test_a_time_limit_in_digits_other_than_ascii_is_refused(text):
    """Before: "٩٠" (Arabic-Indic 90) was taken as 90 minutes (regex \\d, int()) and written as given,
    which sbatch refuses at submission."""
    with pytest.raises(ValueError, match="expected minutes, MM:SS"):
        slurm.parse_time_limit(text)


def test_cli_refuses_a_huge_time_limit_naming_the_option_and_writing_nothing(tmp_path, synthetic_8):
    result = emit_cli(tmp_path, synthetic_8, "--time", "1000000000000000000000000000000")
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--time': time limit '1000000000000000000000000000000' is longer than SLURM can " \
           "hold" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "grid").exists() and not (tmp_path / "slurm").exists()


@pytest.mark.parametrize("text, read_as", [
    ("1:99:00", "02:39:00"), ("1:30:99", "01:31:39"), ("99:99", "01:40:39"), ("1-30", "2-06:00:00"),
    ("1-0:90", "1-01:30:00"), ("90", None), ("90:00", None), ("48:00:00", None), ("1-23:59:59", None),
    ("UNLIMITED", None), ("0", None),
])
def test_a_field_above_its_range_is_said_as_sbatch_reads_it(text, read_as):
    assert slurm_sbatch.carried_over(text) == read_as
    if read_as is not None:  # the same seconds as the limit written in range
        assert slurm.parse_time_limit(text) == slurm.parse_time_limit(read_as)


def test_cli_notes_a_time_limit_field_above_its_range(tmp_path, synthetic_8):
    """sbatch takes --time 1:99:00 (2 h 39 min), so it is no error, but a slip may lie behind it."""
    result = emit_cli(tmp_path, synthetic_8, "--time", "1:99:00")
    assert result.exit_code == 0, result.output
    assert "note: --time 1:99:00 has a field above its range, which sbatch carries over into the next: it reads " \
           "it as 02:39:00" in result.output
    assert "--time=1:99:00" in sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())


def test_cli_does_not_note_a_time_limit_field_above_its_range_without_emit_slurm(tmp_path, synthetic_8):
    """The note came just before the usage error that --time needs --emit-slurm, about scripts never written."""
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "--layers", "1", "--device", "cpu", "-o",
                                       str(tmp_path / "grid"), "--time", "1:99:00"])
    assert result.exit_code == 2, result.output
    assert "--time and --sbatch-option only apply with --emit-slurm" in result.output
    assert "note:" not in result.output and "02:39:00" not in result.output


@pytest.mark.parametrize("resource, value", [("partition", "gpu#2"), ("partition", "it's"), ("gres", 'gpu:"1"'),
                                             ("gres", "gpu:1#x")])
def test_partition_and_gres_are_one_word_of_their_line_as_sbatch_reads_it(tmp_path, resource, value):
    """sbatch reads an #SBATCH line's quotes and stops at '#': --partition=gpu#2, written unquoted,
    was read as partition gpu, the job submitted where the user had not asked."""
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                     **{resource: value})
    for script in ("bases.sh", "transfers.sh"):
        lines = [line for line in sbatch_lines((tmp_path / "slurm" / script).read_text())
                 if line.startswith(f"--{resource}=")]
        assert [shlex.split(line, comments=True) for line in lines] == [[f"--{resource}={value}"]]


def test_array_indices_above_the_default_max_array_size_are_warned_about(tmp_path):
    """transfers.sh numbers its tasks across all bases: 41 random splits of 7 layers make indices up to
    1147, which sbatch refuses under SLURM's default MaxArraySize (1001) with no word of it before."""
    runs = grid.plan_grid(random_seeds=range(41), layers=range(1, 8))
    transfers = [run for run in runs if run.parent is not None]
    assert len(transfers) > 1001 > len(runs) - len(transfers)
    slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    said = slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm")
    assert said[-1].startswith(f"warning: transfers.sh's array task indices run up to {len(transfers) - 1}, above "
                               f"the 1000 that SLURM's default MaxArraySize (1001) allows")
    highest = max(int(line.split(")")[0]) for line in (tmp_path / "slurm" / "transfers.sh").read_text().splitlines()
                  if line.startswith("  ") and line.split(")")[0].strip().isdigit())
    assert highest == len(transfers) - 1


def test_array_indices_within_the_default_max_array_size_are_not_warned_about(tmp_path):
    runs = grid.plan_grid(random_seeds=range(2), layers=range(1, 8))
    slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    assert not any(line.startswith("warning") for line in slurm.describe_scripts(runs, tmp_path / "grid",
                                                                                    tmp_path / "slurm"))
