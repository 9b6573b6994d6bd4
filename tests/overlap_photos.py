"""Distinct photo-like images for `prepare overlap`'s tests (helper, not a test): each a gradient in two colours
in a direction of its own, a few shapes (ellipses, rectangles, polygons) and a smoothed noise texture, drawn with
Pillow from its seed; the edits a copy of a photo goes through (re-cut, brighter, of other contrast); and folders of
them prepared."""

import io

import numpy as np
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFilter

from minitransfer.cli import main


def photo(seed, side=96):
    """uint8 (side, side, 3): the photo-like image of ``seed``."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    y, x = np.mgrid[0:side, 0:side] / side
    ramp = (np.cos(angle) * x + np.sin(angle) * y)
    ramp = (ramp - ramp.min()) / (np.ptp(ramp) or 1)
    low, high = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    pixels = low + ramp[..., None] * (high - low)
    noise = Image.fromarray(rng.integers(0, 256, (side // 8, side // 8), dtype=np.uint8))
    texture = np.asarray(noise.resize((side, side), Image.Resampling.BICUBIC), np.float32) - 128
    pixels = np.clip(pixels + rng.uniform(0.1, 0.5) * texture[..., None], 0, 255)
    image = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(2, 6)):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x0, y0 = rng.uniform(-0.2, 0.8, 2) * side
        x1, y1 = x0 + rng.uniform(0.15, 0.6) * side, y0 + rng.uniform(0.15, 0.6) * side
        kind = rng.integers(3)
        if kind == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.polygon([tuple(rng.uniform(0, side, 2)) for _ in range(rng.integers(3, 6))], fill=colour)
    return np.asarray(image.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.5))))


def edited(pixels, size, crop=(0.0, 0.0, 1.0, 1.0), gain=1.0, offset=0.0, quality=None):
    """``pixels`` cut to ``crop`` (top, left, height, width as fractions), times ``gain`` plus ``offset`` (levels),
    resized to ``size`` x ``size`` and, with ``quality``, saved as a JPEG of it and read back."""
    side = pixels.shape[0]
    top, left, height, width = (round(value * side) for value in crop)
    image = Image.fromarray(pixels[top:top + height, left:left + width])
    image = Image.fromarray(np.clip(np.asarray(image, np.float32) * gain + offset, 0, 255).astype(np.uint8))
    image = image.resize((size, size), Image.Resampling.BILINEAR)
    if quality is not None:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return np.asarray(image)


def folder(root, images):
    """``root`` holding ``images`` ({class: [pixels, ...]}) as PNGs named 0.png, 1.png ... in each class folder."""
    for name, pictures in images.items():
        (root / name).mkdir(parents=True)
        for number, pixels in enumerate(pictures):
            Image.fromarray(pixels).save(root / name / f"{number}.png")
    return root


def prepared(root, images, size, val_fraction=0):
    """``root``, :func:`folder` of ``images``, prepared at ``size`` beside it (``root``-``size``): its path."""
    out = root.parent / f"{root.name}-{size}"
    done = CliRunner().invoke(main, ["prepare", "folder", str(folder(root, images)), str(out), "--size", str(size),
                                     "--workers", "0", "--val-fraction", str(val_fraction)])
    assert done.exit_code == 0, done.output
    return str(out)
