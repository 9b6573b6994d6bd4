"""A cross-dataset grid's source base, trained by the grid, warns of crops that see little of its
images: its train knew only its own dataset and advised a preset (mini) that cannot take the target's
smaller images; it advises what the grid's dry run does, presets fitting both datasets or none."""

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_preflight, models, preflight, scheduler
from minitransfer.cli._errors import option_text
from minitransfer.data import dataset as datasets
from minitransfer.grid_progress import Warnings

pytestmark = pytest.mark.usefixtures("built_in_presets")  # the grid's train knows no other (toy's 8 px crops)


def _source_base(micro_data, synthetic_8):
    runs = grid.plan_grid(random_seeds=(), layers=(1,), cross=True, fine_tuned=False, selffer=False)
    options = {"data": micro_data, "source_data": synthetic_8, "preset": "micro", "max_iter": 1, "batch_size": 8,
               "eval_every": 1, "device": "cpu"}
    return [run for run in runs if run.kind == "base" and run.target == grid.SOURCE], options


def test_a_cross_grids_source_base_advises_no_preset_the_target_cannot_take(micro_data, synthetic_8, tmp_path):
    runs, options = _source_base(micro_data, synthetic_8)
    out, lines = tmp_path / "g", []
    with grid_preflight.plans_shared():
        plan = grid_preflight.resolved_plan(runs[0], out, options)
        # no grid's plan there yet: train alone's advice
        standalone = preflight.crop_warning(plan, lambda: preflight.fitting(plan))
        expected = grid_preflight.crop_warnings(runs, out, options)  # the dry run's advice
    target = datasets.open_dataset(micro_data).image_size
    # the oracles: train alone names every preset fitting the source's images, mini among them, which the
    # target's 14 px images cannot take; the dry run's names none of those
    assert "preset='mini'" in standalone and min(target) < models.get("mini").crop
    assert len(expected) == 1 and "preset='mini'" not in expected[0]
    outcome = scheduler.run_grid(runs, out, options, log=lines.append)
    assert outcome.exit_code == 0, lines
    log = (grid.run_dir(out, runs[0]) / grid.LOG_FILE).read_text()
    said = [line for line in log.splitlines() if line.startswith(Warnings.PREFIX) and "crops" in line]
    assert said == [f"{Warnings.PREFIX}{option_text(expected[0])}"], said  # the run's own warning (train's words)
    assert "--preset mini" not in log
    relayed = [line for line in lines if "crops" in line]
    assert relayed == [f"{runs[0].name}: {said[0]}"], lines  # and the grid's output says it once
