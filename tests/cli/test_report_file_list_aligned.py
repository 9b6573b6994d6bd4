"""report's list of the files it wrote keeps their paths in one column: it padded names to 12 characters, so
figure_s1.png's 13 pushed its path out of line with the others."""

from minitransfer import report
from minitransfer.cli import report as report_command


def test_every_path_of_the_file_list_starts_in_one_column(tmp_path):
    names = ("results.csv", "findings.md", "figure_s1.png", "figure_s1.svg")
    written = report.Report(files={name: tmp_path / name for name in names}, results=[], unfinished=[], figures=True)
    lines = [line for _, line in report_command._lines(written, tmp_path) if any(name in line for name in names)]
    starts = {line.index(str(tmp_path)) for line in lines}
    assert len(lines) == len(names) and len(starts) == 1, lines
