"""The README's lines run as written from a fresh clone, where the virtual environment is not active: its
benchmark block ran every script with .venv/bin/python but gpu_checks.sh with a plain ``bash``, and the script
takes ``python3`` from the PATH (PYTHON overrides it): outside an active venv, every step failed on
``No module named 'h5py'`` (the system's Python) and the summary read as a GPU check that failed."""

import pathlib
import re
import shlex

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_PYTHON = ".venv/bin/python"


def test_the_readmes_benchmark_lines_each_run_the_venvs_python():
    lines = [line.split("#")[0].strip() for line in (ROOT / "README.md").read_text().splitlines()
             if re.match(r"(\S+=\S+ )*(\S+ )?(bash )?benchmarks/\S+\.(py|sh)\b", line.strip())]
    assert len(lines) >= 5, lines  # kernels, iteration, warm_start, loader, gpu_checks
    for line in lines:
        words = shlex.split(line)
        script = next(word for word in words if word.startswith("benchmarks/"))
        if script.endswith(".py"):
            assert words[0] == VENV_PYTHON, line
            continue
        chooses = re.search(r"python=\$\{PYTHON:-\$\(command -v python3", (ROOT / script).read_text())
        assert chooses, f"{script} no longer takes python3 from the PATH: this test reads the wrong line"
        assert f"PYTHON={VENV_PYTHON}" in words[:words.index("bash")], line
