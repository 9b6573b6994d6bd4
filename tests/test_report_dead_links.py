"""A split's or a grid's folder kept on another disk and linked into the folder reported
(``random1 -> /scratch/random1``), its disk not mounted now or the folder moved: the link leads
nowhere. A run folder's link that leads nowhere was named (test_report_run_folder_links.py); a link
of any other name was passed over without a word, its runs missing from every table. It is named
now among the runs left out, with where it leads; a link that leads somewhere is not."""

import os

import pytest
from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main
from test_report import ACCURACY, runs_dir  # noqa: F401  (fixture)


def gone(link, target, missing="any runs in it are missing"):
    """Why the report leaves out ``link`` to ``target``, not there: ``missing``, what that costs it."""
    return (f"{link} cannot be read (a link to {target}, which is not there: its disk not mounted, or the folder "
            f"moved or deleted): {missing} from the report")


def test_a_split_folders_link_that_leads_nowhere_is_named_left_out(runs_dir, tmp_path):  # noqa: F811
    scratch = tmp_path / "scratch"
    (scratch / "notes").mkdir(parents=True)
    os.symlink(scratch / "random1", runs_dir / "random1")  # its disk not mounted
    os.symlink(scratch / "random2", runs_dir / "random0" / "deeper")  # among the runs of a split, too
    os.symlink(scratch / "notes", runs_dir / "notes")  # leads somewhere: no run in it, nothing said
    written = report.measure(runs_dir)
    assert {r.run.name for r in written.results} == set(ACCURACY)
    assert sorted(written.left_out) == [f"random0/deeper: {gone(runs_dir / 'random0' / 'deeper', scratch / 'random2')}",
                                f"random1: {gone(runs_dir / 'random1', scratch / 'random1')}"]


@pytest.mark.parametrize("name, missing", [("random0", "any runs in it are missing"),
                                           ("baseA.run", "its run is missing")], ids=["split-folder", "run-folder"])
def test_a_folder_of_a_link_that_leads_nowhere_alone_says_so(tmp_path, name, missing):
    (tmp_path / "runs").mkdir()
    os.symlink(tmp_path / "scratch" / name, tmp_path / "runs" / name)
    result = CliRunner().invoke(main, ["report", str(tmp_path / "runs")])
    assert result.exit_code == 1
    why = gone(tmp_path / "runs" / name, tmp_path / "scratch" / name, missing)
    assert result.output == f"error: no finished runs (*.run/result.json) under {tmp_path / 'runs'}: left out " \
                            f"{name.removesuffix('.run')}: {why}\n"


def test_a_dead_link_named_as_a_file_is_or_hidden_is_not_taken_for_a_folder_of_runs(runs_dir, tmp_path):  # noqa: F811
    """What a link leading nowhere led to is not known: one named as a file (latest.h5) or hidden (an
    editor's lock, .#notes.txt) is not said to hold missing runs; one named as a split's folder is."""
    os.symlink(tmp_path / "nowhere" / "weights.h5", runs_dir / "latest.h5")
    os.symlink("root@host.1234:1700000000", runs_dir / ".#notes.txt")
    os.symlink(tmp_path / "nowhere" / "random3", runs_dir / "random3")
    os.symlink(tmp_path / "nowhere" / "x", runs_dir / "lr0.01")  # a folder's name with a dot: a folder's still
    written = report.measure(runs_dir)
    assert sorted(written.left_out) == [f"lr0.01: {gone(runs_dir / 'lr0.01', tmp_path / 'nowhere' / 'x')}",
                                        f"random3: {gone(runs_dir / 'random3', tmp_path / 'nowhere' / 'random3')}"]
