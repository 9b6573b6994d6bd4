"""README's own-data section lists the formats that need something beyond Pillow (HEIC/HEIF's plugin); EPS,
which Pillow decodes only by running Ghostscript, was not among them, so a researcher with EPS figures learned
it only from skipped.txt."""

import pathlib
import re
import sys

import pytest
from PIL import EpsImagePlugin

from minitransfer.data import image_formats

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _eps_sentence():
    """The sentence of README's "Your own data" section on EPS (lines joined), or None."""
    text = README.read_text(encoding="utf-8")
    section = " ".join(text.split("\n## Your own data\n", 1)[1].split("\n## ", 1)[0].split())
    return next((part for part in re.split(r"(?<=\.) ", section) if "EPS" in part), None)


@pytest.mark.skipif(sys.platform.startswith("win"), reason="Pillow looks for gswin64c there")
def test_the_own_data_section_names_the_program_pillow_looks_for_on_the_path(tmp_path, monkeypatch):
    sentence = _eps_sentence()
    assert sentence is not None, "no sentence on EPS in README's own-data section"
    assert "Ghostscript" in sentence and "PATH" in sentence, sentence
    program = re.search(r"`([\w.-]+)`", sentence).group(1)
    # Pillow's own search is the oracle: a program of that name on the PATH, and nothing else, is what it finds
    (tmp_path / program).write_text("#!/bin/sh\necho 10.0\n")
    (tmp_path / program).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", None, raising=False)  # searched afresh (Pillow 9.1-9.5: always)
    assert image_formats.ghostscript_found(), f"Pillow did not find Ghostscript as `{program}` on the PATH"
