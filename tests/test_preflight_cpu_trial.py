"""train's warning of a run that would take hours on the CPU ended "or the mini preset for a trial" whatever ran:
to a run of micro, which is faster than mini, and to a transfer, whose preset is its base's (another preset's
layers are refused). It names a preset only where one is faster and its crops can be cut from the images."""

import pytest

from minitransfer import config, models, preflight
from minitransfer import train as training

pytestmark = pytest.mark.usefixtures("built_in_presets")  # the advice names presets: without the toy's


def _cpu_warning(**fields):
    plan = config.resolve(config.TrainConfig(device="cpu", quiet=True, max_iter=10 ** 8, **fields))
    [warning] = [w for w in preflight.warnings_for(plan) if " on the CPU: " in w]
    return warning


def test_a_run_of_the_fastest_preset_is_not_told_to_take_a_slower_one(synthetic_8):
    costs = {name: preset.cpu_seconds_per_image for name, preset in models.PRESETS.items()}
    assert min(costs, key=costs.get) == "micro"  # micro's the fastest: nothing to name
    warning = _cpu_warning(data=synthetic_8, preset="micro")
    assert "preset" not in warning.split(";")[1], warning
    assert warning.endswith("or fewer iterations (`max_iter`) for a trial"), warning


def test_a_run_of_mini_is_told_the_faster_preset_its_images_can_take(synthetic_8):
    assert models.get("micro").cpu_seconds_per_image < models.get("mini").cpu_seconds_per_image
    assert models.get("micro").crop <= 36  # synthetic_8's 36 px images
    warning = _cpu_warning(data=synthetic_8, preset="mini")
    assert warning.endswith("or fewer iterations (`max_iter`), or `preset='micro'` for a trial"), warning


def test_a_transfer_is_told_no_preset_its_bases_layers_would_refuse(synthetic_8, tmp_path):
    base = tmp_path / "base.h5"
    training.train(config.TrainConfig(out=str(base), data=synthetic_8, preset="mini", max_iter=1,
                                      batch_size=4, device="cpu", quiet=True))
    warning = _cpu_warning(data=synthetic_8, copy_from=str(base), n=1, out=str(tmp_path / "A1B.h5"))
    assert warning.startswith("mini on the CPU: "), warning
    assert "preset" not in warning.split(";")[1], warning
