"""Python's development mode (``python -X dev``, PYTHONDEVMODE=1), which shows every ResourceWarning, and
PYTHONWARNINGS=error: the launcher process a grid trains through left its request stream to the garbage
collector, and each grid's stderr ended with "ResourceWarning: unclosed file" (under PYTHONWARNINGS=error,
"Exception ignored ... Traceback")."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("mode", [["-X", "dev"], ["-W", "error"]], ids=["dev-mode", "warnings-error"])
def test_the_launcher_ends_without_a_warning(mode):
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONWARNINGS", "PYTHONDEVMODE")}
    launcher = subprocess.run([sys.executable, *mode, "-m", "minitransfer.launcher"], input=b"", capture_output=True,
                              env=environment, timeout=120)
    assert launcher.returncode == 0, launcher.stderr.decode()
    assert launcher.stderr == b"", launcher.stderr.decode()
