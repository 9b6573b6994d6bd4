"""``splits --per-class N`` without --per-class-seed recorded the first N images of each class (``per_class_seed``
null in its JSON), a choice no train makes: ``train --per-class N`` chooses them at random with its --seed, 0
unless given. It now takes train's default seed, so that what it records is what such a train keeps."""

import json

from click.testing import CliRunner

from minitransfer import config
from minitransfer.cli import main


def test_splits_per_class_records_the_seed_train_chooses_with_by_default(micro_data):
    result = CliRunner().invoke(main, ["splits", str(micro_data), "all", "--per-class", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = config.resolve(config.TrainConfig(data=micro_data, split="all", per_class=3, device="cpu"),
                          checksums=False)
    (half,) = json.loads(result.stdout)
    assert half["per_class_seed"] == plan.config.seed == 0
    assert half["train_images"] == len(plan.task.train_indices)


def test_a_per_class_seed_given_is_recorded_as_given(micro_data):
    result = CliRunner().invoke(main, ["splits", str(micro_data), "all", "--per-class", "3", "--per-class-seed", "7",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["per_class_seed"] == 7
