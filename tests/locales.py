"""The locales the tests of names that are not ASCII run their subprocesses under: LC_ALL=C with Python's
UTF-8 mode off (file names read with surrogate escapes), C.UTF-8, and a Latin-1 locale built with localedef
where it can be (:func:`latin1_locale`); a subprocess's environment under one of them (:func:`environment_in`)."""

import os
import subprocess

import pytest

ASCII_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0"}
UTF8_LOCALE = {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}


def environment_in(locale):
    """This process's environment under ``locale`` (one of the above): its own LC_*, LANG and PYTHONIOENCODING
    left out, so that only ``locale`` decides how the subprocess reads and writes names."""
    kept = {key: value for key, value in os.environ.items()
            if not key.startswith("LC_") and key not in ("LANG", "PYTHONIOENCODING")}
    return {**kept, **locale}


def latin1_locale(tmp_path, skip=True):
    """LOCPATH and LC_ALL of a Latin-1 locale built with localedef under ``tmp_path``; where none can be
    built, the test is skipped (``skip``) or None is returned."""
    (tmp_path / "locales").mkdir(exist_ok=True)
    try:
        subprocess.run(["localedef", "-i", "en_US", "-f", "ISO-8859-1", str(tmp_path / "locales" / "latin1")],
                       capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        pass
    if not (tmp_path / "locales" / "latin1").is_dir():
        if skip:
            pytest.skip("localedef cannot build a Latin-1 locale here")
        return None
    return {"LOCPATH": str(tmp_path / "locales"), "LC_ALL": "latin1", "PYTHONUTF8": "0"}
