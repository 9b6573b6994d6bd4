"""The warnings ``train`` prints before its first iteration (:func:`minitransfer.preflight.warnings_for`):
a crop that sees a small part of each stored image, a reduced-data run that keeps every image, a
batch larger than the data, and a CPU run that would take hours."""

import math

import pytest

from minitransfer import config, models, preflight


def warnings(**fields):
    return preflight.warnings_for(config.resolve(config.TrainConfig(device="cpu", quiet=True, **fields)))


def test_a_small_crop_of_large_images_names_the_images_and_the_size_that_fixes_it(synthetic_8):
    found = warnings(data=synthetic_8, preset="micro", max_iter=5)
    assert len(found) == 1, found
    assert f"preset micro takes 12x12 crops of the 36x36 images of {synthetic_8}" in found[0]
    assert "a crop spans 33% of an image's side" in found[0]
    assert "prepare the images at --size 14" in found[0]  # 12 / (227 / 256) = 13.5
    assert warnings(data=synthetic_8, preset="mini", max_iter=5) == []  # 32 of 36: 89 %


@pytest.mark.parametrize("preset", ["micro", "mini"])
def test_a_cpu_run_of_more_than_two_hours_is_announced_with_its_length(synthetic_8, preset):
    p = models.get(preset)
    threshold = preflight.CPU_HOURS_WARNING * 3600 / (p.cpu_seconds_per_image * p.batch_size)
    longer = math.ceil(2 * threshold)
    found = [w for w in warnings(data=synthetic_8, preset=preset, max_iter=longer) if "on the CPU" in w]
    assert len(found) == 1, found
    assert f"{preset} on the CPU: {longer} iterations of batch {p.batch_size} take about 4 hours" in found[0]
    assert "train on a GPU (--device cuda)" in found[0]
    shorter = math.floor(threshold / 2)
    assert not [w for w in warnings(data=synthetic_8, preset=preset, max_iter=shorter) if "on the CPU" in w]


def test_a_reduced_data_run_that_keeps_every_image_says_so(synthetic_8):
    # synthetic_8: 40 training images per class; half A has 4 classes
    found = warnings(data=synthetic_8, preset="mini", max_iter=5, per_class=40)
    assert len(found) == 1 and "--per-class 40 keeps every training image" in found[0], found
    assert "(160 images of 4 classes)" in found[0] and "--base-lr 0.0125" in found[0]
    assert warnings(data=synthetic_8, preset="mini", max_iter=5, per_class=39) == []


def test_a_batch_larger_than_the_training_images_says_so(synthetic_8):
    found = warnings(data=synthetic_8, preset="mini", max_iter=5, batch_size=161)
    assert found == ["--batch-size 161 is larger than the 160 training images: every batch repeats images"]
    assert warnings(data=synthetic_8, preset="mini", max_iter=5, batch_size=160) == []


def test_a_cuda_graph_asked_for_on_the_cpu_says_it_is_not_used(synthetic_8):
    assert warnings(data=synthetic_8, preset="mini", max_iter=5, cuda_graph=True) == [
        "--cuda-graph replays CUDA kernels; on the CPU the run goes without it"]
