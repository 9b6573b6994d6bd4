"""splits --per-class said it counts "the ones 'train --per-class N' keeps" while its --per-class-seed defaults to
the first N of each class; train keeps N chosen at random with its --seed (0 unless given), never the first N, and
its --per-class help did not say so. The helps now say what the code does, checked here against the code: the
images train resolves for a reduced-data run against those splits' seeds choose."""

import numpy as np
from click.testing import CliRunner

from minitransfer import config
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import splits


def _help(*command):
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=2000)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_the_per_class_helps_say_which_images_train_keeps(micro_data):
    plan = config.resolve(config.TrainConfig(data=micro_data, split="all", per_class=3, device="cpu"),
                          checksums=False)
    data = datasets.open_dataset(micro_data)
    first = splits.make_half(data, "all", per_class=3).train_indices  # splits' default
    seeded = splits.make_half(data, "all", per_class=3, per_class_seed=plan.config.seed).train_indices
    assert plan.config.seed == 0
    assert np.array_equal(plan.task.train_indices, seeded) and not np.array_equal(plan.task.train_indices, first)
    assert len(first) == len(seeded)  # the counts splits gives are train's all the same
    said = _help("splits")
    assert "the ones 'train --per-class N' keeps" not in said
    assert "as many as 'train --per-class N' keeps" in said
    assert "(default: 0, train's --seed default; a copy's seed is derived: give the one its config.json records)" \
        in said  # was "default: the first N of each class, which no train keeps"
    assert "chosen at random with --seed" in _help("train")
