"""A toy network registered as a preset, defined here and nowhere else: the proof that a preset is
the single definition of an architecture (tests/test_toy_preset.py). Importing this module
registers it; a subprocess imports it through ``TRAIN_COMMAND``."""

import pathlib
import sys

from minitransfer import models
from minitransfer.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU
from minitransfer.net import Net


def toy(num_outputs):
    """conv1 (4 3x3 filters) → relu → 2x2 pool → fc1 (8) → relu → fc2: three weight layers on 8x8 crops."""
    layers = [
        Conv2d("conv1", 3, 4, 3, pad=1, weight_std=0.1, bias_value=0.0), ReLU("relu1"), MaxPool2d("pool1", 2, 2),
        Flatten("flatten"), Linear("fc1", 4 * 4 * 4, 8, weight_std=0.1, bias_value=0.1), ReLU("relu2"),
        Linear("fc2", 8, num_outputs, weight_std=0.1, bias_value=0.0),
    ]
    return Net("toy", layers, (3, 8, 8))


TOY = models.register(models.Preset("toy", toy, crop=8, copyable=2, batch_size=8, max_iter=4, eval_every=2,
                                    checkpoint_every=2, log_every=2, description="a three-layer toy for tests"))

# `minitransfer train` in a subprocess that knows the toy preset.
TRAIN_COMMAND = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r}); "
                 "import toy_preset; from minitransfer.cli import main; main(prog_name='minitransfer')", "train"]
