"""report -o a run's, a dataset's or a grid's folder: the report's files were written among that
folder's (results.csv beside a run's result.json, findings.md in a dataset), and a run folder training
now was "being written by another minitransfer process ...; wait for it to finish, then rerun", which
then wrote there. Each is refused (exit code 2, as another report writing into OUT is) before RUNS is
read, naming the folder and saying to choose another -o; the library refuses it as ``out_dir``."""

import contextlib
import json
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config_checks, report, run_lock
from minitransfer import experiment as grid
from minitransfer.cli import main
from test_report import write_runs


def _run_folder(tmp_path, runs, micro_data):
    return grid.run_dir(runs, next(run for run in grid.plan_grid(layers=(1,)) if run.name == "random0/baseA"))


def _dataset(tmp_path, runs, micro_data):
    return shutil.copytree(micro_data, tmp_path / "data")


def _unfinished_import(tmp_path, runs, micro_data):
    folder = shutil.copytree(micro_data, tmp_path / "data")
    (folder / "meta.json").rename(folder / "importing.json")  # what importing.json holds is not read here
    return folder


def _grid(tmp_path, runs, micro_data):
    other = write_runs(tmp_path / "other-grid")
    (other / "experiment.json").write_text("{}")
    return other


# kind: (the folder, made from tmp_path, the runs and the micro dataset; what the refusal calls it)
KINDS = {"run-folder": (_run_folder, "is a run folder (train wrote it"),
         "dataset": (_dataset, "is a dataset folder (prepare writes it"),
         "unfinished-import": (_unfinished_import, "is a dataset folder (prepare writes it"),
         "grid": (_grid, "is a grid's folder (it holds experiment.json; its report's own folder is {out}/report)")}


def _listing(folder):
    """(file, mtime) of each file under ``folder``; a lock file's there or not alone: its holders write it."""
    return sorted((path.relative_to(folder), None if path.name == run_lock.RunLock.FILE else path.stat().st_mtime_ns)
                  for path in folder.rglob("*"))


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("training", [False, True], ids=["ended", "held"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_report_into_another_kinds_folder_is_refused_naming_it(kind, training, tmp_path, micro_data):
    runs = write_runs(tmp_path / "grid")
    make, words = KINDS[kind]
    out = make(tmp_path, runs, micro_data)
    before = _listing(out)
    # a training, a prepare, a reader; a dataset's lock file stays after its holder is done (prepare keeps it)
    held = run_lock.RunLock(out, keep=(out / run_lock.RunLock.FILE).exists())
    with held if training else contextlib.nullcontext():
        refused = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert said.startswith(f"error: {out} {words.format(out=out)}"), said
    assert said.endswith("the report's files would lie among its own; choose another -o (--out)"), said
    assert "Traceback" not in refused.output
    assert _listing(out) == before
    with pytest.raises(config_checks.ConfigError, match=r"among its own; choose another `out_dir`$"):
        report.write_report(runs, out, figures=False)
    assert _listing(out) == before


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("out", ["grid/report"])
def test_a_report_into_its_own_folder_or_a_folder_of_runs_is_written(out, tmp_path):
    """The default place named by hand is no other kind's. (A folder of runs, RUNS itself, was taken too until
    0.11.5, the report's files then lying among the runs': tests/test_msgs66_report_among_runs.py refuses it.)"""
    runs = write_runs(tmp_path / "grid")
    done = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / out)])
    assert done.exit_code == 0, done.output
    assert (tmp_path / out / "results.csv").is_file()


def test_the_refusal_comes_before_runs_is_read(tmp_path, micro_data):
    """A folder of no finished run would be refused for that (exit 1) had RUNS been read first."""
    empty = tmp_path / "nothing-yet"
    empty.mkdir()
    out = _dataset(tmp_path, empty, micro_data)
    refused = CliRunner().invoke(main, ["report", str(empty), "-o", str(out)])
    assert refused.exit_code == 2, refused.output
    assert f"{out} is a dataset folder" in " ".join(refused.output.split())


def _planned_grid(tmp_path, trained):
    """A grid's folder whose plan names random0's runs; ``trained``: its runs there (else none yet)."""
    folder = write_runs(tmp_path / "planned") if trained else tmp_path / "planned"
    folder.mkdir(exist_ok=True)
    runs = [{"name": run.name} for run in grid.plan_grid(layers=(1,))]
    (folder / "experiment.json").write_text(json.dumps({"runs": runs}))
    return folder


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("trained", [True, False], ids=["trained", "planned"])
def test_a_report_into_a_grids_split_folder_is_refused_naming_it(trained, tmp_path):
    """-o GRID/random0 was written: the report's files and lock among the split's run folders, where
    experiment trains. Refused as another kind's folder, the split folder and its grid named, whether
    or not the split's runs have started (the plan names it)."""
    runs = write_runs(tmp_path / "runs")
    planned = _planned_grid(tmp_path, trained)
    split = planned / "random0"
    before = _listing(planned)
    refused = CliRunner().invoke(main, ["report", str(runs), "-o", str(split)])
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert said.startswith(f"error: {split} is a split folder of the grid {planned} (experiment trains that "
                           f"split's runs there; the grid's report's own folder is {planned / 'report'})"), said
    assert said.endswith("choose another -o (--out)"), said
    assert "Traceback" not in refused.output
    with pytest.raises(config_checks.ConfigError, match=r"a split folder of the grid .*choose another `out_dir`$"):
        report.write_report(runs, split, figures=False)
    assert _listing(planned) == before


@pytest.mark.usefixtures("placeholder_figures")
def test_a_split_folder_given_as_runs_is_reported_into_a_folder_of_its_own_there(tmp_path):
    """report GRID/random0 writes GRID/random0/report, beside the split's runs, not among them."""
    planned = _planned_grid(tmp_path, trained=True)
    done = CliRunner().invoke(main, ["report", str(planned / "random0")])
    assert done.exit_code == 0, done.output
    assert (planned / "random0" / "report" / "results.csv").is_file()


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("out", ["report", "reports/second", "random0/report", "random0/a/b"])
def test_a_report_into_a_grids_other_folders_is_written(out, tmp_path):
    """GRID/report (the default), a folder beside the split folders and a folder inside a split's
    are no split's."""
    planned = _planned_grid(tmp_path, trained=True)
    done = CliRunner().invoke(main, ["report", str(planned), "-o", str(planned / out)])
    assert done.exit_code == 0, done.output
    assert (planned / out / "results.csv").is_file()


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_into_a_folder_inside_a_run_folder_is_refused_naming_it(tmp_path):
    """-o runs/baseA.run/report was written: the report's files and lock in a network's folder."""
    runs = write_runs(tmp_path / "runs")
    run = runs / "random0" / "baseA.run"
    out = run / "report"
    refused = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert said.startswith(f"error: {out} lies inside {run}, a run folder (train wrote it"), said
    assert not out.exists()
