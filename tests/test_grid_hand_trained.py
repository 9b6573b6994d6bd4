"""A network trained by hand into a grid's folder (``train -o GRID/mynet.h5``): the folder's report
reads it as the treatment its config.json tells and pools it with the grid's networks, so the grid
judges its training options as it judges another grid's runs."""

import pytest
from click.testing import CliRunner

from minitransfer import results
from minitransfer.cli import main
from minitransfer.data import synthetic

GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "4", "--device", "cpu"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "synthetic-4"
    synthetic.build_synthetic(path, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    return str(path)


def _train_by_hand(data, out, *options):
    """``train`` a base on half A of random split 0 into ``out`` (the grid's preset, iterations and device)."""
    result = CliRunner().invoke(main, ["train", "--data", data, "-o", str(out), "--preset", "micro", "--max-iter",
                                       "4", "--device", "cpu", "--quiet", *options])
    assert result.exit_code == 0, result.output


def _tree(folder):
    """What ``folder`` holds, less the grid's lock files (kept in a folder that was not empty)."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if not path.name.startswith(".experiment-"))


def test_a_run_trained_by_hand_with_other_options_stops_the_grid_before_it_trains(data, tmp_path):
    """It was skipped (no treatment.json: "not a grid's run"), and the report read it as random
    split 0's baseA, trained at another learning rate, beside the grid's."""
    out = tmp_path / "grid"
    _train_by_hand(data, out / "mynet.h5", "--base-lr", "0.02")
    before = _tree(out)
    for dry_run in ([], ["--dry-run"]):
        refused = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(out), *GRID, *dry_run])
        assert refused.exit_code == 2, refused.output
        assert (f"error: {out / 'mynet.run'}, a run trained by hand in {out}, which its report reads as baseA of "
                f"random split 0, was trained with other options than this grid asks for (--base-lr 0.02 -> 0.01)"
                in refused.output), refused.output
        assert "choose another output folder for this grid, or delete that run first" in refused.output
        assert _tree(out) == before  # nothing trained, no plan written


def test_a_run_trained_by_hand_with_the_grids_options_is_pooled_as_designed(data, tmp_path):
    """Its own training seed apart: one experiment, which the report reads as a whole; a copy trained
    by hand is judged on its training options, not on those that make it a copy (--n, --frozen, ...)."""
    out = tmp_path / "grid"
    _train_by_hand(data, out / "mynet.h5", "--seed", "7")
    _train_by_hand(data, out / "mine" / "A1B.h5", "--copy-from", str(out / "mynet.h5"), "--n", "1", "--frozen",
                   "--half", "B")
    (out / "damaged.run").mkdir()
    (out / "damaged.run" / "config.json").write_text("{not json")  # the report leaves it out: not judged
    (out / "damaged.run" / "result.json").write_text("{}")
    result = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(out), *GRID])
    assert result.exit_code == 0, result.output
    read, _, left_out = results.collect(out)
    bases = sorted(r.run.name for r in read if r.run.label == "baseA" and r.run.split_seed == 0)
    assert bases == ["mynet", "random0/baseA"]
    assert [(r.run.label, r.run.split_seed) for r in read if r.run.name == "mine/A1B"] == [("A1B", 0)]
    assert [line.split(":")[0] for line in left_out] == ["damaged"]


def test_a_run_trained_by_hand_in_a_folder_linked_into_the_grid_is_judged_too(data, tmp_path):
    """The report reads the runs of a folder linked into the grid's (run_search.find_runs); the grid
    looked only in its own folders (rglob does not follow links) and let such a run be pooled."""
    out, elsewhere = tmp_path / "grid", tmp_path / "elsewhere"
    _train_by_hand(data, elsewhere / "mynet.h5", "--base-lr", "0.02")
    out.mkdir()
    (out / "mine").symlink_to(elsewhere)
    assert [r.run.name for r in results.collect(out)[0]] == ["mine/mynet"]  # what the report would pool
    refused = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(out), *GRID, "--dry-run"])
    assert refused.exit_code == 2, refused.output
    assert f"error: {out / 'mine' / 'mynet.run'}, a run trained by hand in {out}, which its report reads as baseA" \
           in refused.output, refused.output


def test_a_grid_run_trained_by_hand_with_its_own_seed_is_refused_with_what_can_be_done(data, tmp_path):
    """baseA trained by hand in the grid's place for it (or by an edited script) with the grid's options
    but a seed of its own, and A1B from it: no --seed the grid takes gives each of its runs those seeds,
    so "give the options as they were trained" could not be followed. The refusal says it was not trained
    by the grid's plan, names the run that copied from it, and moving them out lets the grid go on; a
    seed the grid's plan records is still one to give back."""
    out = tmp_path / "grid"
    base, copy = out / "random0" / "baseA.h5", out / "random0" / "A1B.h5"
    _train_by_hand(data, base, "--seed", "1234")
    _train_by_hand(data, copy, "--copy-from", str(base), "--n", "1", "--frozen", "--half", "B", "--seed", "99")
    before = _tree(out)
    for dry_run in (["--dry-run"], []):
        refused = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(out), *GRID, *dry_run])
        assert refused.exit_code == 2, refused.output
        assert f"error: {out / 'random0' / 'baseA.run'} was trained with other options" in refused.output, \
            refused.output
        assert "and not by this grid's plan: its training seed is none this grid's seeds give it" in refused.output
        assert "1234 -> " in refused.output and "the runs that copied from it (random0/A1B)" in refused.output, \
            refused.output
        assert "give the options as they were trained" not in refused.output, refused.output
        assert _tree(out) == before
    aside = tmp_path / "aside"
    aside.mkdir()
    for path in (base, base.with_suffix(".run"), copy, copy.with_suffix(".run")):  # as the refusal advises
        path.rename(aside / path.name)
    trained = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(out), *GRID])
    assert trained.exit_code == 0, trained.output
    reseeded = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(out), *GRID, "--seed", "4",
                                         "--dry-run"])
    assert reseeded.exit_code == 2 and "give the options as they were trained" in reseeded.output, reseeded.output
    assert "--seed 0 -> 4 (the grid's seed" in reseeded.output, reseeded.output
