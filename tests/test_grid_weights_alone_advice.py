"""The dry run's advice for a finished base whose run folder was removed (its weights file left alone, which its
train refuses to replace), followed word for word: the base's weights file moved away, and with it the files of
the transfers that copied from it, which the grid would otherwise refuse as copied from another network. Before,
the advice moved the weights file alone, and the grid then refused, exit 2: "random0/A1B.run copied the first 1
layers of random0/baseA, whose weights file ... is gone: ... restore ..., or delete random0/A1B too"."""

import re
import shutil

from click.testing import CliRunner

from minitransfer.cli import main

GRID = ["--preset", "micro", "--layers", "1", "--no-fine-tuned", "--max-iter", "2", "--eval-every", "1",
        "--batch-size", "4", "--device", "cpu"]
# the advice's paths: "move P away" and, where transfers copied from it, "..., which copied from it (P, P)"
STEP = re.compile(r"move (\S+) away(?:, and with it the files of [^(]*, which copied from it \(([^)]*)\))?")


def _experiment(micro_data, out, *more):
    return CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID, *more])


def _follow(text, away):
    """Move every path the first step in ``text`` names into the folder ``away``; the paths moved."""
    step = STEP.search(text)
    assert step, text
    paths = [step[1], *(step[2].split(", ") if step[2] else [])]
    away.mkdir()
    for path in paths:
        shutil.move(path, away)
    return paths


def _base_folder_removed(micro_data, out):
    """A finished grid whose base random0/baseA lost its run folder (rm -r), its weights file left."""
    assert _experiment(micro_data, out).exit_code == 0
    shutil.rmtree(out / "random0" / "baseA.run")


def test_following_the_dry_runs_advice_for_a_base_without_its_run_folder_trains_it(micro_data, tmp_path):
    out = tmp_path / "grid"
    _base_folder_removed(micro_data, out)
    dry = _experiment(micro_data, out, "--dry-run")
    assert dry.exit_code == 0, dry.output
    [line] = [line for line in dry.output.splitlines() if "] random0/baseA " in line]
    moved = _follow(line, tmp_path / "away")
    done = _experiment(micro_data, out)
    assert done.exit_code == 0, done.output
    assert str(out / "random0" / "A1B.run") in moved, line  # its transfer, which copied the network moved away
    assert "2 trained, 2 already done, 0 failed" in done.output, done.output
    assert (out / "random0" / "baseA.run" / "result.json").is_file() and (out / "random0" / "A1B.h5").is_file()


def test_following_the_advice_for_such_a_base_left_alone_by_another_grid_trains_it(micro_data, tmp_path):
    """A grid of another split seed leaves the first grid's runs alone, and says what to do before the rerun
    that trains them: that first step followed, the first grid's rerun trains its base and transfer again."""
    out = tmp_path / "grid"
    _base_folder_removed(micro_data, out)
    dry = _experiment(micro_data, out, "--split-seed", "1", "--dry-run")
    assert dry.exit_code == 0, dry.output
    [said] = [line for line in dry.output.splitlines() if "of an earlier plan" in line]
    _follow(said.split("; to train them, first ", 1)[1], tmp_path / "away")
    done = _experiment(micro_data, out)
    assert done.exit_code == 0, done.output
    assert "2 trained, 2 already done, 0 failed" in done.output, done.output
