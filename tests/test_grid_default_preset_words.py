"""A grid planned with --preset micro, asked again without --preset on 36 px images (whose default is mini), says the
preset it compares with is the default for those images, not one the user gave: before, "--preset 'micro' -> 'mini'"
alone, in the refusal of the runs trained there and in the note of the plan it would replace."""

import re
import shutil

from click.testing import CliRunner

from minitransfer import models
from minitransfer.cli import main
from minitransfer.data import synthetic


def _grid_command(data, out, *more):
    return ["experiment", "--data", str(data), "-o", str(out), "--layers", "1", "--no-fine-tuned", "--max-iter", "2",
            "--eval-every", "1", "--device", "cpu", *more]


def test_a_preset_left_to_its_default_is_said_to_be_the_default_for_the_images(tmp_path):
    size = 36
    default = models.preset_for_image_size((size, size)).name
    assert default != "micro"
    data, out, plan_only = tmp_path / "data", tmp_path / "grid", tmp_path / "plan-only"
    synthetic.build_synthetic(data, classes=4, train_per_class=4, val_per_class=2, size=size, seed=1)
    trained = CliRunner().invoke(main, _grid_command(data, out, "--preset", "micro"))
    assert trained.exit_code == 0, trained.output
    plan_only.mkdir()
    shutil.copy(out / "experiment.json", plan_only / "experiment.json")  # the plan, no run: replaced, with a note

    words = f"--preset 'micro' -> '{default}', the default for {size} px images as no --preset was given"
    refused = CliRunner().invoke(main, _grid_command(data, out, "--dry-run"))
    assert refused.exit_code != 0, refused.output
    assert re.search(r"trained with other options than this grid asks for \(" + re.escape(words) + r"\)",
                     refused.output), refused.output
    noted = CliRunner().invoke(main, _grid_command(data, plan_only, "--dry-run"))
    assert noted.exit_code == 0, noted.output
    assert f"other options than this grid's ({words}; run " in noted.output, noted.output

    given = CliRunner().invoke(main, _grid_command(data, out, "--preset", default, "--dry-run"))
    assert f"(--preset 'micro' -> '{default}')" in given.output, given.output  # given: nothing added
