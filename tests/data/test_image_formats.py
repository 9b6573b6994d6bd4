"""The first bytes told as :mod:`minitransfer.data.image_formats` tells them: its patterns, once matched anew for
every file (10 ``re.match`` a file, each a lookup in re's cache), are compiled once; what it tells of a file's
first bytes is what the patterns matched one by one told (the oracle below, as the module read before), on
files of every format Pillow writes here, the files found beside photos that are no image, and their truncations,
one byte changed, text and random bytes."""

import bz2
import gzip
import io
import lzma
import pickle
import re
import sqlite3
import zipfile

import h5py
import numpy as np
import pytest
from PIL import Image

from minitransfer.data import image_formats

PILLOW_FORMATS = ("PNG", "JPEG", "GIF", "TIFF", "WEBP", "BMP", "PPM", "TGA", "ICO", "PCX", "SGI", "DDS", "PDF",
                  "EPS", "JPEG2000", "QOI", "AVIF")


def _has_signature_oracle(head):
    return any(re.match(signature, head, re.DOTALL) and image_formats.pillow_reads(name)
               for name, signature in image_formats.SIGNATURES.items())


def _not_image_kind_oracle(head):
    return next((kind for kind, signature in image_formats.NOT_IMAGES.items()
                 if re.match(signature, head, re.DOTALL)), None)


def _pillow_files():
    """{format: bytes} of a small image saved in each format of :data:`PILLOW_FORMATS` this Pillow writes."""
    files = {}
    for kind in PILLOW_FORMATS:
        buffer = io.BytesIO()
        try:
            Image.new("RGB", (9, 7), (200, 30, 90)).save(buffer, kind)
        except (KeyError, OSError, ValueError):  # not written by this Pillow (no encoder, no Ghostscript)
            continue
        files[kind] = buffer.getvalue()
    big_endian = io.BytesIO()
    Image.new("L", (5, 5), 7).save(big_endian, "TIFF", tiffinfo={}, compression=None)
    files["TIFF big-endian"] = b"MM\x00*" + big_endian.getvalue()[4:]
    return files


def _other_files(tmp_path):
    """{what: bytes} of files found beside photos that are no image, each written by its own library."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("notes.txt", "hello")
    array = io.BytesIO()
    np.save(array, np.arange(6))
    with h5py.File(tmp_path / "weights.h5", "w") as handle:
        handle["w"] = np.ones(3)
    connection = sqlite3.connect(tmp_path / "db.sqlite")
    connection.execute("create table t (x)")
    connection.commit()
    connection.close()
    files = {"zip": archive.getvalue(), "empty zip": b"PK\x05\x06" + bytes(18), "gzip": gzip.compress(b"x" * 40),
             "bzip2": bz2.compress(b"y" * 40), "xz": lzma.compress(b"z" * 40), "7z": b"7z\xbc\xaf'\x1c\x00\x04",
             "npy": array.getvalue(), "hdf5": (tmp_path / "weights.h5").read_bytes()[:512],
             "sqlite": (tmp_path / "db.sqlite").read_bytes()[:512], "html": b"<!DOCTYPE html><html>404</html>",
             "text": b"a photo of a cat\n", "empty": b"", "RIFF\\n WEBP": b"RIFF\n\r\n\x00WEBPVP8 ",
             "GIF8 then 8": b"GIF88a", "bzip2 level 0": b"BZh0"}
    files.update({f"pickle protocol {protocol}": pickle.dumps([1, 2], protocol=protocol) for protocol in range(6)})
    return files


def _samples(tmp_path):
    """{id: first 256 bytes}: every file above, its truncations to 1-12 bytes, and with each of its first 8 bytes
    changed, and random bytes (seeded)."""
    samples = {}
    for what, data in {**_pillow_files(), **_other_files(tmp_path)}.items():
        samples[what] = data[:256]
        for length in range(1, 13):
            samples[f"{what}[:{length}]"] = data[:length]
        for at in range(min(8, len(data))):
            samples[f"{what} byte {at} changed"] = data[:at] + bytes([data[at] ^ 0x41]) + data[at + 1:256]
    generator = np.random.default_rng(14)
    for number in range(200):
        samples[f"random {number}"] = generator.integers(0, 256, int(generator.integers(0, 40))).astype(
            np.uint8).tobytes()
    return samples


def test_the_compiled_patterns_tell_every_sample_as_the_patterns_matched_one_by_one(tmp_path):
    samples = _samples(tmp_path)
    assert len(samples) > 500
    told_kinds = {what: _not_image_kind_oracle(head) for what, head in samples.items()}
    assert set(told_kinds.values()) == {None, *image_formats.NOT_IMAGES}  # every kind is among the samples
    assert {_has_signature_oracle(head) for head in samples.values()} == {False, True}
    for what, head in samples.items():
        assert image_formats.not_image_kind(head) == told_kinds[what], what
        assert image_formats.has_signature(head) == _has_signature_oracle(head), what


@pytest.mark.parametrize("head", [b"\x89HDF\r\n\x1a\nPK\x03\x04", b"PK\x05\x06%PDF-", b"\x80\x05\x1f\x8b"],
                         ids=["hdf5-then-zip", "zip-then-pdf", "pickle-then-gzip"])
def test_a_file_that_begins_as_two_kinds_is_told_the_first_kind_listed(head):
    assert image_formats.not_image_kind(head) == _not_image_kind_oracle(head) is not None
