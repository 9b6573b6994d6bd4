"""A report's folder given as an existing file (write_report(runs, out_dir="baseA.h5")) was refused with
the file system's words, "cannot write baseA.h5: File exists", naming neither out_dir nor what it is:
now the refusal names the argument and says the path is a file, not a folder, before anything is
written, and the file is left as it was."""

import pytest

from minitransfer import config_checks, report
from test_report import write_runs


def test_an_out_dir_that_is_a_file_is_named_as_one(tmp_path):
    runs = write_runs(tmp_path / "grid")
    weights = tmp_path / "baseA.h5"
    weights.write_bytes(b"weights")
    with pytest.raises(config_checks.ConfigError) as refused:
        report.write_report(runs, out_dir=weights, figures=False)
    assert str(refused.value).startswith(f"`out_dir` {weights} is a file, not a folder: ")
    assert weights.read_bytes() == b"weights"

