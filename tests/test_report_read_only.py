"""report into a folder this process cannot write (a read-only snapshot of a grid, a colleague's folder):
the error says to give -o a folder it can write, not only which file could not be written."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from test_disk_full_tmpfs import tmpfs  # noqa: F401 (the fixture)
from test_report import write_runs


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("folder", [".", "report"], ids=["existing", "to-be-made"])
def test_a_report_into_a_read_only_folder_says_to_write_it_elsewhere(tmpfs, tmp_path, folder):
    """It said "cannot write .../report/lock: Read-only file system" (exit 74): the lock file is the
    first thing written, so the message named a file the user never asked for, and no way on."""
    runs = write_runs(tmp_path / "grid")
    disk = tmpfs(tmp_path / "disk", "size=1m,ro")
    out = disk / folder
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert result.exit_code == 74, result.output
    assert "Read-only file system" in result.output and "Traceback" not in result.output
    assert result.output.rstrip().endswith("; write the report elsewhere: give -o (--out) a folder this process "
                                           "can write"), result.output
