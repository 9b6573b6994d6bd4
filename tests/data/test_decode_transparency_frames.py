"""What a researcher's folder holds beyond plain RGB, decoded as OpenCV's imread (Caffe) and torchvision's
ImageFolder read it (:mod:`minitransfer.data.pixels`' docstring): transparency dropped, keeping the colour
stored under a transparent pixel; an animation's first frame; an embedded colour profile not applied."""

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from minitransfer.data.pixels import decode_image

SIZE = 4


def _decoded(image, kind, **options):
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    buffer.seek(0)
    return decode_image(buffer, SIZE)


def _solid(colour):
    return np.tile(np.array(colour, dtype=np.uint8), (SIZE, SIZE, 1))


@pytest.mark.parametrize("mode,colour,rgb", [("RGBA", (200, 30, 40, 0), (200, 30, 40)),
                                             ("RGBA", (10, 220, 90, 128), (10, 220, 90)),
                                             ("LA", (77, 0), (77, 77, 77))], ids=["clear", "half", "grey-clear"])
def test_transparency_is_dropped_keeping_the_colour_under_it(mode, colour, rgb):
    np.testing.assert_array_equal(_decoded(Image.new(mode, (6, 5), colour), "PNG"), _solid(rgb))


def test_a_palette_image_with_a_transparent_entry_gives_that_entrys_colour():
    image = Image.new("P", (6, 5), 1)
    image.putpalette([0, 0, 0, 30, 60, 250] + [0] * 762)
    np.testing.assert_array_equal(_decoded(image, "PNG", transparency=1), _solid((30, 60, 250)))


@pytest.mark.parametrize("kind", ["GIF", "PNG", "WEBP", "TIFF"])
def test_an_animation_or_multi_page_file_gives_its_first_frame(kind):
    frames = [Image.new("RGB", (6, 5), colour) for colour in ((250, 0, 0), (0, 0, 250), (0, 250, 0))]
    options = {"lossless": True} if kind == "WEBP" else {}
    pixels = _decoded(frames[0], kind, save_all=True, append_images=frames[1:], **options)
    np.testing.assert_array_equal(pixels, _solid((250, 0, 0)))


def test_an_embedded_colour_profile_is_not_applied():
    """A JPEG's pixels with a Lab profile beside them (no colour of sRGB's): as stored, not converted."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    pixels = _decoded(Image.new("RGB", (16, 16), (30, 160, 90)), "PNG", icc_profile=profile)
    np.testing.assert_array_equal(pixels, _solid((30, 160, 90)))
