"""report_folder makes REPORT_FILES (which names the figures) on first use, not at import: a train, which asks only
whether a folder above its output holds a report's tables (path_kinds.report_folder_above), no longer imports
minitransfer.figures and the modules behind it (figures_paper, figures_reduced, findings_groups and 4 more: ~3 ms
of CPU)."""

import subprocess
import sys

from minitransfer import figures, report_folder
from minitransfer.report_folder import REPORT_FILES

PROBE = """
import sys
from minitransfer import path_kinds, report_folder
print(path_kinds.report_folder_above({folder!r}), "minitransfer.figures" in sys.modules)
print(report_folder.REPORT_FILES[-1], "minitransfer.figures" in sys.modules)
"""


def test_a_report_folder_looked_for_imports_no_figures_until_report_files_are_named(tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE.format(folder=str(tmp_path))], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"None False\n{REPORT_FILES[-1]} True\n"


def test_report_files_are_the_tables_then_each_figure_in_each_format():
    assert report_folder.REPORT_FILES is REPORT_FILES  # made once
    expected = report_folder.REPORT_TABLES + tuple(f"{name}.{suffix}" for name in figures.FIGURES
                                                   for suffix in report_folder.FIGURE_FORMATS)
    assert REPORT_FILES == expected and REPORT_FILES[-2:] == ("curves.png", "curves.svg")
