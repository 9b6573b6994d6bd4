"""`experiment` options as a researcher types them: a seed written as --layers takes its n ("0,1",
"0-7") or with Python's digit separator ("1_0", read as 10: OUT/random10/), the same option given
twice with the same value (warned of as if it changed something), a big grid's dry run (its count
hundreds of lines above its end), and options whose help said neither format nor default."""

import re

import pytest
from click.testing import CliRunner

from minitransfer import run_lock
from minitransfer.cli import main
from minitransfer.cli._repeats import repeated_options
from minitransfer.cli.experiment import experiment


@pytest.mark.parametrize("option, value, hint", [
    ("--split-seed", "0,1", "repeat the option for more: --split-seed 0 --split-seed 1"),
    ("--split-seed", "0-7", "repeat the option for more: --split-seed 0 ... --split-seed 7"),
    ("--split-seed", "0,3-5", "repeat the option for more: --split-seed 0 --split-seed 3 --split-seed 5"),
    ("--split-seed", "1_0", None),
    ("--seed", "1_0", None),
    ("--split-seed", "", None),
], ids=["split-seeds-listed", "split-seeds-range", "split-seeds-mixed", "split-seed-underscore", "seed-underscore",
        "split-seed-empty"])
def test_a_seed_that_is_no_single_number_in_digits_is_refused_naming_it(tmp_path, micro_data, option, value, hint):
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), "--layers",
                                       "1", "--dry-run", option, value])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': {value!r} is not a seed" in result.output, result.output
    assert (hint in result.output) if hint else ("repeat the option" not in result.output), result.output
    assert "Traceback" not in result.output and not (tmp_path / "grid").exists()


@pytest.mark.parametrize("typed", [" 3 ", "+3", "003"])
def test_a_seed_in_digits_with_blanks_or_a_sign_around_it_is_still_taken(tmp_path, micro_data, typed):
    planned = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), "--layers",
                                        "1", "--dry-run", "--split-seed", typed])
    assert planned.exit_code == 0 and "[todo] random3/baseA" in planned.output, planned.output


@pytest.mark.parametrize("args", [["demo", "-o", "d", "--seed", "1_0"], ["prepare", "synthetic", "s", "--seed", "1_0"],
                                  ["prepare", "folder", "src", "out", "--seed", "1_0"]],
                         ids=["demo", "prepare-synthetic", "prepare-folder"])
def test_every_seed_option_refuses_a_seed_written_otherwise_than_in_digits(tmp_path, monkeypatch, args):
    """demo's and prepare's --seed read "1_0" as 10, as experiment's did."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Invalid value for '--seed': '1_0' is not a seed" in result.output, result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["src"]


@pytest.mark.parametrize("args", [["--dry-run", "--layers", "3", "--dry-run"], ["--layers", "3", "--layers=3"],
                                  ["--fine-tuned", "-o", "g", "--fine-tuned"], ["-o", "g", "--out", "g"]],
                         ids=["flag", "value", "flag-pair-side", "short-and-long"])
def test_an_option_given_twice_with_the_same_value_is_not_warned_of(args):
    """`--dry-run ... --dry-run` said "the last, --dry-run, is taken", as if the first were dropped."""
    assert list(repeated_options(experiment, args)) == []
    assert list(repeated_options(experiment, [*args, "--layers", "4", "--no-fine-tuned", "-o", "h"])) != []


def _dry_run(tmp_path, data, *args):
    result = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(tmp_path / "grid"), "--dry-run",
                                       *args])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize("seeds, natural", [(5, False), (2, True)], ids=["five-seeds", "two-seeds-and-natural"])
def test_a_dry_run_ends_with_the_plan_counted_by_folder(tmp_path, micro_data, seeds, natural):
    """A grid of 8 seeds printed 482 lines, the number of its runs only on the first."""
    lines = _dry_run(tmp_path, micro_data, "--layers", "1,2", *(f"--split-seed={seed}" for seed in range(seeds)),
                     *(("--split", "random", "--split", "natural") if natural else ()))
    listed = [re.match(r"  \[(\w+)\] (\S+)/", line) for line in lines]
    folders = [match[2] for match in listed if match]
    counts = {folder: folders.count(folder) for folder in dict.fromkeys(folders)}  # in the plan's order
    shown = [f"{folder} {count}" for folder, count in counts.items()]
    named = f"{', '.join(shown[:3])} and {len(shown) - 3} more" if len(shown) > 4 else ", ".join(shown)
    assert len(counts) == seeds + natural and all(count > 2 for count in counts.values()), counts
    assert lines[-2] == (f"{len(folders)} runs in {len(counts)} folders ({named}): 0 finished, {len(folders)} to "
                         f"train"), lines[-3:]
    assert lines[-1] == "would run on the CPU, one at a time", lines[-1]


def test_a_dry_run_counts_a_run_another_process_trains_apart_from_those_to_train(tmp_path, micro_data):
    """It counted it "to train", where the grid waits for that process instead."""
    base = tmp_path / "grid" / "natural" / "baseA.run"
    base.mkdir(parents=True)
    with run_lock.RunLock(base):  # as a train of its own holds it
        lines = _dry_run(tmp_path, micro_data, "--layers", "1", "--split", "natural")
    assert lines[-2] == "4 runs in 1 folder (natural 4): 0 finished, 3 to train, 1 being trained by another process"


def test_every_option_that_takes_a_value_says_its_default_and_a_list_its_format():
    """--per-class, --random-frozen and --partition said no default; the lists of n or counts read TEXT."""
    valued = [param for param in experiment.params if not param.is_flag and not param.multiple
              and not param.required and param.name not in ("source_data", "emit_slurm")]  # given: another grid
    silent = [param.opts[-1] for param in valued if not param.show_default and "default" not in param.help]
    assert not silent, silent
    shown = CliRunner().invoke(main, ["experiment", "--help"], terminal_width=100).output
    for option in ("--layers", "--random-frozen", "--per-class"):
        assert re.search(rf"^  {option} N[-,]N", shown, re.MULTILINE), shown


def test_both_directions_with_the_natural_split_says_that_it_plans_both_already(tmp_path, micro_data):
    """Refused as for the random split only, without saying the natural split's BnA is planned anyway."""
    refused = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), "--split",
                                        "natural", "--both-directions", "--dry-run"])
    assert refused.exit_code == 2, refused.output
    assert "--both-directions: applies to the random split" in refused.output, refused.output
    assert "natural split plans both directions already (AnB and BnA)" in refused.output, refused.output
    planned = _dry_run(tmp_path, micro_data, "--split", "natural", "--layers", "2")
    assert any("[todo] natural/B2A " in line for line in planned) and \
        any("[todo] natural/A2B " in line for line in planned), planned


@pytest.mark.parametrize("option", ["--layers", "--random-frozen"])
def test_an_n_out_of_range_is_explained_naming_the_option_once(tmp_path, micro_data, option):
    """"Invalid value for --layers: layers: '0' ..." said the option twice, once as the library's word."""
    refused = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"),
                                        option, "0,9", "--dry-run"])
    assert refused.exit_code == 2, refused.output
    assert f"Invalid value for {option}: '0' is outside 1..7 (n counts the first weight layers" in refused.output, \
        refused.output
    assert not (tmp_path / "grid").exists()
