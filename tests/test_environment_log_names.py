"""A grid whose command line names a folder that is not UTF-8 (``d\\xff``: a name made under another encoding),
or any non-ASCII folder under LC_ALL=C with PYTHONUTF8=0 (an ASCII locale), wrote each run's command line into
its train.log in the locale's encoding, strictly: "UnicodeEncodeError ... surrogates not allowed", a traceback,
exit 1, nothing trained. The log is written as UTF-8 with the name's bytes as they are."""

import os
import shutil
import subprocess
import sys

import pytest

UTF8_LOCALE = {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
ASCII_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0"}


@pytest.mark.parametrize("name, locale", [(b"d\xff", UTF8_LOCALE), ("dätä".encode(), ASCII_LOCALE)],
                         ids=["not-utf8", "ascii-locale"])
def test_a_grid_on_a_folder_so_named_trains_and_logs_its_bytes(tmp_path, micro_data, name, locale):
    data = os.path.join(os.fsencode(tmp_path), name)
    shutil.copytree(os.fsencode(micro_data), data)  # a copy: a link is resolved, its target's name given
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LC_") and key != "LANG"}
    arguments = [os.fsencode(sys.executable), b"-m", b"minitransfer", b"experiment", b"--data", data,
                 b"-o", os.fsencode(tmp_path / "grid"), b"--layers", b"1", b"--no-fine-tuned", b"--device", b"cpu",
                 b"--preset", b"micro", b"--max-iter", b"2", b"--eval-every", b"2"]
    result = subprocess.run(arguments, capture_output=True, timeout=300,
                            env={**environment, **locale, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    log = (tmp_path / "grid" / "random0" / "baseA.run" / "train.log").read_bytes()
    assert data in log.splitlines()[0], log[:300]
