"""What works on the newest dependencies works on the oldest pyproject.toml allows (Pillow 9.2, NumPy 1.24,
h5py 3.8, click 8.1), checked here on whichever versions are installed."""
import warnings

import numpy as np
import pytest
from PIL import Image

from minitransfer import mean_image
from minitransfer.data import pixels


@pytest.fixture
def pillow_9_1_constants(monkeypatch):
    """Image's resampling constants as Pillow 9.1-9.3 have them: ``Image.BILINEAR`` deprecated (served with a
    DeprecationWarning, here an error), ``Image.Resampling.BILINEAR`` the name that every Pillow from 9.1 on reads."""
    if "BILINEAR" in vars(Image):  # Pillow 9.1-9.3 serve it from a module __getattr__, with the warning
        monkeypatch.delattr(Image, "BILINEAR")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        yield


def test_images_are_warped_with_the_resampling_enum_of_pillow_9_1(pillow_9_1_constants):
    values = np.random.default_rng(3).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    warped = pixels.resized(Image.fromarray(values, "RGB"), 4)
    expected = np.asarray(Image.fromarray(values, "RGB").resize((4, 4), Image.Resampling.BILINEAR))
    assert warped.shape == (4, 4, 3) and np.array_equal(warped, expected)


def test_a_mean_image_is_resampled_with_the_resampling_enum_of_pillow_9_1(pillow_9_1_constants):
    mean = np.random.default_rng(4).uniform(0, 255, size=(6, 9, 3)).astype(np.float32)
    resampled = mean_image.resize_mean(mean, (4, 5))
    expected = [np.asarray(Image.fromarray(np.ascontiguousarray(mean[..., k])).resize((5, 4),
                                                                                     Image.Resampling.BILINEAR))
                for k in range(3)]
    assert resampled.shape == (4, 5, 3) and np.array_equal(resampled, np.stack(expected, axis=-1))
