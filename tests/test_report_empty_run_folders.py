"""A ``*.run`` folder that holds none of the files train and experiment write first (config.json,
treatment.json, result.json): made by hand, or whose files were deleted. Alone in RUNS, the report
said "no run folder (<name>.run/...) is in it", which was false; beside real runs it was passed over
without a word. It is now named among the runs left out, with what it holds, and a folder of it
alone says so (exit code 1, as for any folder without a finished run); one whose lock a train
holds (a train starting, before its config.json) is not finished, training now."""

import pytest
from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main
from minitransfer.run_lock import RunLock
from test_report import runs_dir  # noqa: F401  (fixture)


def not_a_run(folder, held):
    return (f"{folder} holds none of config.json, treatment.json, result.json ({held}): not a run train or experiment "
            f"wrote, or one whose files were deleted")


def test_a_folder_of_an_empty_run_folder_alone_says_what_it_holds(tmp_path):
    (tmp_path / "runs" / "x.run").mkdir(parents=True)
    result = CliRunner().invoke(main, ["report", str(tmp_path / "runs")])
    assert result.exit_code == 1
    why = not_a_run(tmp_path / "runs" / "x.run", "it is empty")
    assert result.output == f"error: no finished runs (*.run/result.json) under {tmp_path / 'runs'}: left out x: " \
                            f"{why}\n"
    assert [path.name for path in (tmp_path / "runs").iterdir()] == ["x.run"]  # nothing written


@pytest.mark.usefixtures("placeholder_figures")
def test_a_run_folder_without_trains_files_beside_real_runs_is_named_left_out(runs_dir, tmp_path):  # noqa: F811
    folder = runs_dir / "random0" / "A7B+.run"
    folder.mkdir()
    for name in ("eval.csv", "metrics.jsonl"):  # its config.json and result.json deleted
        (folder / name).write_text("")
    told = f"random0/A7B+: {not_a_run(folder, 'it holds eval.csv, metrics.jsonl')}"
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert f"warning: left out: {told}\n" in result.stderr
    for name in ("results.md", "findings.md"):
        assert f"\n- {told}\n" in (tmp_path / "r" / name).read_text()


def test_a_run_folder_whose_train_is_starting_is_not_finished(runs_dir):  # noqa: F811
    folder = runs_dir / "random0" / "A7B+.run"
    with RunLock(folder):  # train's lock, taken before it writes config.json
        written = report.measure(runs_dir)
    assert written.unfinished == written.training == ["random0/A7B+"] and not written.left_out
