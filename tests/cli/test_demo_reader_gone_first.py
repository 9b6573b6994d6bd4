"""`demo -o new | true`: the reader gone before the demo's first line, it exited 141 with nothing on
stderr, though its help says it tells there how to go on."""

import os
import subprocess
import sys

from minitransfer.cli.demo import READER_GONE


def test_a_demo_whose_reader_is_gone_before_it_starts_says_how_to_go_on(tmp_path):
    read, write = os.pipe()
    os.close(read)  # the reader gone before anything was written
    try:
        result = subprocess.run([sys.executable, "-m", "minitransfer", "demo", "-o", str(tmp_path / "new"),
                                 "--device", "cpu"], stdout=write, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "MINITRANSFER_CACHE": str(tmp_path / "cache")}, timeout=120)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (141, READER_GONE + "\n")
    assert "rerun the same command to go on" in READER_GONE and not (tmp_path / "new").exists()
