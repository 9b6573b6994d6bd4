"""benchmarks/gpu_checks.sh looks the image's python up once (the line tests/test_docs65_readme.py reads), and every
command runs that variable: it looked python3 up twice, once for $python and again for the fallback of a PYTHON
that cannot run there, two lines to keep alike."""

import pathlib
import re

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_checks.sh"


def _code():
    return [line for line in SCRIPT.read_text().splitlines() if not line.lstrip().startswith("#")]


def test_the_images_python_is_looked_up_on_one_line():
    lookups = [line for line in _code() if "command -v python" in line]
    assert len(lookups) == 1 and lookups[0].startswith("python=${PYTHON:-$(command -v python3"), lookups


def test_every_python_command_runs_that_variable():
    bare = re.compile(r"(^|[\s;(&|])python3?\s+(-[cm]|\S+\.py)")  # python3 -c ..., python benchmarks/x.py
    runs = [line for line in _code() if bare.search(line)]
    assert runs == [], runs
    assert sum('"$python"' in line for line in _code()) >= 7  # the cupy line and a step or more each
