"""Class names do not depend on the locale: ``prepare folder`` read a class folder's name with the locale's
encoding of file names, so that under a Latin-1 locale (LANG=en_US.ISO-8859-1, still met on older clusters)
"Zürich" was stored in meta.json as "ZÃ¼rich" (and a families file naming "Zürich" no longer matched it), and
under LC_ALL=C with PYTHONUTF8=0 (an ASCII file system encoding) it was refused: "a class folder's name must be
UTF-8". The folder's bytes are read as UTF-8 whatever the locale; a name that is not UTF-8 is refused in each."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

CLASSES = ["Zürich", "café", "naïve", "ñandú"]
ASCII_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0"}
UTF8_LOCALE = {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}


def _tree(root, names):
    """train/ and val/ of one 8 x 8 image per class folder named by ``names`` (bytes: any name the disk holds)."""
    rng = np.random.default_rng(0)
    for subset in ("train", "val"):
        for name in names:
            folder = os.path.join(os.fsencode(root), subset.encode(), name)
            os.makedirs(folder)
            for number in range(2):
                Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(
                    os.path.join(folder, f"{number}.png".encode()))


def _prepare(source, out, locale):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LC_") and key != "LANG"}
    return subprocess.run([sys.executable, "-m", "minitransfer", "prepare", "folder", str(source), str(out),
                           "--size", "14"], capture_output=True, env={**environment, **locale}, timeout=120)


@pytest.mark.parametrize("locale", [ASCII_LOCALE, UTF8_LOCALE], ids=["C-ascii", "C.UTF-8"])
def test_class_names_read_as_utf8_whatever_the_locale(tmp_path, locale):
    _tree(tmp_path / "source", [name.encode() for name in CLASSES])
    result = _prepare(tmp_path / "source", tmp_path / "data", locale)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    meta = json.loads((tmp_path / "data" / "meta.json").read_bytes())
    assert [entry["name"] for entry in meta["classes"]] == sorted(CLASSES)


def test_class_names_read_as_utf8_in_a_latin1_locale(tmp_path):
    """Built with localedef where the system has it (a container rarely has a Latin-1 locale installed)."""
    if shutil.which("localedef") is None:
        pytest.skip("no localedef to build a Latin-1 locale with")
    (tmp_path / "locales").mkdir()
    built = subprocess.run(["localedef", "-i", "en_US", "-f", "ISO-8859-1", str(tmp_path / "locales" / "latin1")],
                           capture_output=True)
    if not (tmp_path / "locales" / "latin1").is_dir():
        pytest.skip(f"no Latin-1 locale could be built: {built.stderr.decode(errors='replace')}")
    _tree(tmp_path / "source", [name.encode() for name in CLASSES])
    latin1 = {"LOCPATH": str(tmp_path / "locales"), "LC_ALL": "latin1", "PYTHONUTF8": "0"}
    result = _prepare(tmp_path / "source", tmp_path / "data", latin1)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    meta = json.loads((tmp_path / "data" / "meta.json").read_bytes())
    assert [entry["name"] for entry in meta["classes"]] == sorted(CLASSES)


@pytest.mark.parametrize("locale", [ASCII_LOCALE, UTF8_LOCALE], ids=["C-ascii", "C.UTF-8"])
def test_a_class_folder_not_named_in_utf8_is_refused_in_each_locale(tmp_path, locale):
    _tree(tmp_path / "source", [b"caf\xe9", b"dog"])
    result = _prepare(tmp_path / "source", tmp_path / "data", locale)
    assert result.returncode == 65, result.stderr.decode(errors="replace")
    # train/'s and val/'s caf\xe9 named in one refusal, escaped in every locale
    assert b"caf\\xe9 (is not UTF-8)" in result.stderr, result.stderr
    assert b"a class folder's name must be UTF-8" in result.stderr, result.stderr
