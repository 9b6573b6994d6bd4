"""What ``info`` says of a run at its last iteration whose result.json or config.json ``report``
cannot read (not JSON, empty, truncated, of the wrong types or fields, a folder in its place,
unreadable; a config.json missing): it said "finished" (exit 0) while report left the run out. Now
the network is still shown, its line says that report leaves the run out and what writes the file
again, and report's own reason for the file is the error on stderr, exit 65 (74 where the system
would not read it). The oracle of what is wrong is :func:`minitransfer.results.collect`, report's
reading of the same folder."""

import json
import os
import shutil

import pytest
from click.testing import CliRunner
from cli.test_info_paths import network, without_root_rights  # noqa: F401 (a fixture: a finished micro run)
from test_base_provenance import _copy, _left_out, bases  # noqa: F401 (a fixture: would-be bases)

from minitransfer.checkpoint_info import describe, described
from minitransfer.cli import main
from minitransfer.results import collect
from minitransfer.run_file_readers import FileUnreadable
from minitransfer.left_out import UnreadableRun

LEFT_OUT = "cannot be read, so report leaves the run out: "
RESUME = ("write it again with `minitransfer train --resume net.run` (or its train command again with --resume auto), "
          "which finishes the run again from its checkpoint)")


def _not_json(result):
    result.write_text("garbage\n")


def _empty(result):
    result.write_text("")


def _truncated(result):
    result.write_text(result.read_text()[:40])


def _evaluations_a_string(result):
    record = json.loads(result.read_text())
    result.write_text(json.dumps({**record, "evaluations": str(record["evaluations"])}))


def _no_best(result):
    record = json.loads(result.read_text())
    del record["best_top1"]
    result.write_text(json.dumps(record))


def _a_list(result):
    result.write_text("[1, 2]")


def _a_folder(result):
    result.unlink()
    result.mkdir()


DAMAGES = {"not-json": _not_json, "empty": _empty, "truncated": _truncated, "evaluations-a-string":
           _evaluations_a_string, "no-best-top1": _no_best, "a-list": _a_list, "a-folder": _a_folder}


@pytest.fixture
def run_copy(network, tmp_path, monkeypatch):  # noqa: F811 (the fixture imported above)
    """A copy of ``network``'s finished run in the working folder: net.h5 and net.run."""
    shutil.copy(network, tmp_path / "net.h5")
    shutil.copytree(network.with_suffix(".run"), tmp_path / "net.run")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _left_out_because():
    """Report's reason for leaving the one run in the working folder out (the oracle), without its name:
    its files named as info is given them, below the working folder."""
    results, unfinished, left_out = collect(".")
    assert (results, unfinished, len(left_out)) == ([], [], 1), (results, unfinished, left_out)
    name, why = left_out[0].split(": ", 1)
    assert name == "net"
    return why


def _info(*args):
    return CliRunner().invoke(main, ["info", *args])


@pytest.mark.parametrize("given", ["net.run", "net.h5", "net.run/checkpoint.h5"])
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_result_report_cannot_read_is_said_with_reports_reason_and_exit_65(run_copy, damage, given):
    DAMAGES[damage](run_copy / "net.run" / "result.json")
    why = _left_out_because()
    shown = _info(given)
    assert shown.exit_code == 65, shown.output
    assert shown.stderr == f"error: bad data: {why}\n"
    said = shown.stdout.splitlines()[1]
    assert "finished" not in said.replace("finishes", "")
    fix = RESUME if damage != "a-folder" else f"move it away (it is not a file), then {RESUME}"
    assert said.endswith(f"iteration 2 (trained to its last iteration, but its result net.run/result.json {LEFT_OUT}"
                         f"{fix}"), said
    summary = _info(given, "--json")
    assert summary.exit_code == 65 and summary.stderr == shown.stderr
    facts = json.loads(summary.stdout)
    assert facts["finished"] is False and facts["unwritten_result"] is None
    assert facts["unreadable"] == {"what": "result", "path": "net.run/result.json", "why": why, "io_error": False,
                                   "missing": False, "in_the_way": damage == "a-folder", "resumable": True,
                                   "resume_refused": None}


@pytest.mark.parametrize("damage", ["not-json", "a-folder"])
def test_what_info_says_to_do_makes_the_run_one_report_reads(run_copy, damage):
    DAMAGES[damage](run_copy / "net.run" / "result.json")
    said = _info("net.run").stdout.splitlines()[1]
    if "move it away" in said:
        os.rename(run_copy / "net.run" / "result.json", run_copy / "result.json.aside")
    command = said.split("`")[1].split()
    assert command[:3] == ["minitransfer", "train", "--resume"]
    done = CliRunner().invoke(main, [*command[1:], "--device", "cpu"])
    assert done.exit_code == 0, done.output
    results, unfinished, left_out = collect(run_copy)
    assert [r.run.name for r in results] == ["net"] and unfinished == [] and left_out == []
    again = _info("net.run")
    assert again.exit_code == 0 and "iteration 2 (finished)" in again.stdout, again.output


@pytest.mark.parametrize("damage", [name for name in DAMAGES if name != "a-folder"])
def test_a_result_report_cannot_read_without_its_checkpoint_is_said_to_need_training_again(run_copy, damage):
    """train --resume said "net.h5 exists but there is nothing to resume from", exit 2 (usage), advising to
    delete the finished network, where info (and experiment) exit 65 naming result.json: now train says
    report's reason too, exit 65, and that the weights are kept (eval scores them) or the run trained anew."""
    DAMAGES[damage](run_copy / "net.run" / "result.json")
    (run_copy / "net.run" / "checkpoint.h5").unlink()
    why = _left_out_because()
    shown = _info("net.h5")
    assert (shown.exit_code, shown.stderr) == (65, f"error: bad data: {why}\n")
    assert shown.stdout.splitlines()[1].endswith(
        f"{LEFT_OUT}its checkpoint net.run/checkpoint.h5 is gone, so nothing writes it again: keep net.h5 "
        f"(`minitransfer eval net.h5` scores it again), or, as the last resort, train it again (its train command "
        f"with --overwrite), which replaces that network)")  # the network kept first, as train says it
    before = {path: path.read_bytes() for path in run_copy.rglob("*") if path.is_file()}
    for given in ("net.run", "net.h5"):
        refused = CliRunner().invoke(main, ["train", "--resume", given, "--device", "cpu"])
        assert refused.exit_code == 65, refused.output
        assert refused.stderr.startswith(f"error: bad data: {why}; "), refused.stderr
        assert "nothing to resume from" not in refused.stderr and len(refused.stderr.splitlines()) == 1
        assert "checkpoint net.run/checkpoint.h5 is gone" in refused.stderr
        assert "keep net.h5 (`minitransfer eval net.h5` scores it again)" in refused.stderr
        assert "--overwrite" in refused.stderr
    assert {path: path.read_bytes() for path in run_copy.rglob("*") if path.is_file()} == before
    assert CliRunner().invoke(main, ["eval", "net.h5", "--device", "cpu"]).exit_code == 0  # as said: eval scores it


def test_a_result_this_user_may_not_read_is_an_io_error(run_copy):
    result = run_copy / "net.run" / "result.json"
    result.chmod(0)
    try:
        code, stderr = without_root_rights(["info", "net.run"], run_copy)
    finally:
        result.chmod(0o644)
    assert (code, stderr) == (74, "error: I/O: net.run/result.json: cannot be read (Permission denied)\n")


@pytest.mark.parametrize("file, damage", [("result.json", _not_json), ("config.json", _a_list),
                                          ("config.json", lambda path: path.unlink())],
                         ids=["result", "config", "none"])
def test_the_library_gives_the_error_report_raised_beside_a_summary_that_stays_json(run_copy, file, damage):
    """:func:`described` carries the error itself (info raises it: its class says the exit code), while
    the summary, :func:`describe`'s, keeps ``unreadable`` as JSON: report's reason, not the error."""
    damage(run_copy / "net.run" / file)
    why = _left_out_because()
    summary, error = described("net.run/checkpoint.h5")
    assert isinstance(error, UnreadableRun) and not isinstance(error, FileUnreadable)
    assert str(error) == why == summary["unreadable"]["why"] and summary["unreadable"]["io_error"] is False
    assert json.loads(json.dumps(summary)) == summary == describe("net.run/checkpoint.h5")


def test_the_library_gives_no_error_for_a_run_report_reads(run_copy):
    summary, error = described("net.h5")
    assert error is None and summary["unreadable"] is None and summary["finished"] is True


def test_a_result_that_is_a_link_to_nothing_is_one_not_written_as_report_counts_it(run_copy):
    result = run_copy / "net.run" / "result.json"
    result.unlink()
    result.symlink_to("gone.json")
    assert collect(run_copy)[1] == ["net"]  # the oracle: report counts it not finished
    shown = _info("net.run")
    assert shown.exit_code == 0, shown.output
    assert "its result net.run/result.json was not written: the run is not finished" in shown.stdout


CONFIG_DAMAGES = {"not-json": _not_json, "a-list": _a_list, "a-folder": _a_folder,
                  "missing": lambda path: path.unlink()}


@pytest.mark.parametrize("given", ["net.run", "net.h5", "net.run/checkpoint.h5"])
@pytest.mark.parametrize("damage", CONFIG_DAMAGES)
def test_a_configuration_report_cannot_read_is_said_with_reports_reason_and_exit_65(run_copy, damage, given):
    CONFIG_DAMAGES[damage](run_copy / "net.run" / "config.json")
    why = _left_out_because()
    shown = _info(given)
    assert (shown.exit_code, shown.stderr) == (65, f"error: bad data: {why}\n"), shown.output
    moved = "move it away (it is not a file), then " if damage == "a-folder" else ""
    network = "net.h5" if given == "net.run" else given  # the network of a finished run folder: its weights file
    problem = "is missing" if damage == "missing" else "cannot be read"
    assert shown.stdout.splitlines()[1].endswith(
        f"iteration 2 (finished, but its configuration net.run/config.json {problem}, so report leaves the run out: "
        f"{moved}write it again from the configuration the network records, which `minitransfer info --json {network}` "
        f"prints as \"config\")")
    facts = json.loads(_info(given, "--json").stdout)
    assert facts["finished"] is False and facts["unreadable"]["what"] == "configuration"


@pytest.mark.parametrize("damage", ["not-json", "missing"])
def test_the_configuration_info_points_to_makes_the_run_one_report_reads(run_copy, damage):
    config = run_copy / "net.run" / "config.json"
    CONFIG_DAMAGES[damage](config)
    config.write_text(json.dumps(json.loads(_info("net.h5", "--json").stdout)["config"]))
    results, unfinished, left_out = collect(run_copy)
    assert [r.run.name for r in results] == ["net"] and unfinished == [] and left_out == []
    again = _info("net.run")
    assert again.exit_code == 0 and "iteration 2 (finished)" in again.stdout, again.output


def test_a_grid_run_without_a_configuration_is_read_by_its_treatment_as_report_reads_it(run_copy):
    """A run experiment planned has its treatment.json: report reads it without config.json."""
    (run_copy / "net.run" / "config.json").unlink()
    (run_copy / "net.run" / "treatment.json").write_text(json.dumps(
        {"name": "net", "split": "all", "split_seed": 0, "half": None, "copy_from": None, "n": None, "frozen": False,
         "random_frozen": None, "per_class": None, "kind": "base"}).replace('"n": null', '"n": 0'))
    results, _, left_out = collect(run_copy)
    assert [r.run.name for r in results] == ["net"] and left_out == []
    shown = _info("net.run/checkpoint.h5")
    assert shown.exit_code == 0, shown.output
    assert "iteration 2 (finished: the last checkpoint of its run" in shown.stdout


def _max_iter_edited(folder):
    config = folder / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "max_iter": 6}))


def _treatment_of_another_run(folder):
    (folder / "treatment.json").write_text(json.dumps(
        {"name": "other", "split": "all", "split_seed": 0, "half": None, "copy_from": None, "n": 0, "frozen": False,
         "random_frozen": None, "per_class": None, "kind": "base"}))


LEFT_OUT_RUNS = {"max-iter-edited": _max_iter_edited, "treatment-of-another-run": _treatment_of_another_run}


@pytest.mark.parametrize("given", ["net.run", "net.h5", "net.run/checkpoint.h5"])
@pytest.mark.parametrize("damage", LEFT_OUT_RUNS)
def test_a_run_report_leaves_out_for_what_its_files_say_is_not_finished_and_says_reports_reason(run_copy, damage,
                                                                                                given):
    """Its files readable, report leaves it out all the same (a result of another max_iter than its
    config.json's, a treatment.json not its folder's): info said "finished"; it now says report's reason
    instead (exit 0: the network itself is sound, and shown)."""
    LEFT_OUT_RUNS[damage](run_copy / "net.run")
    why = _left_out_because()
    shown = _info(given)
    assert shown.exit_code == 0, shown.output
    said = shown.stdout.splitlines()[1]
    assert said.endswith(f"iteration 2 (trained to its last iteration, but report leaves its run net.run out: "
                         f"{why})"), said
    facts = json.loads(_info(given, "--json").stdout)
    assert facts["finished"] is False and facts["left_out"] == {"folder": "net.run", "why": why}


def test_a_copy_of_a_random_weights_control_is_said_left_out_for_reports_reason(bases, tmp_path):  # noqa: F811
    """A hand-trained copy of a random-weights control: report leaves it out (its base none of the paper's
    treatments copies), which info, checking no base, said "finished"."""
    out = _copy(bases, tmp_path, bases["random"], 5)
    [why] = _left_out(tmp_path / "runs")  # the oracle: report's reason, "copy: ..."
    shown = CliRunner().invoke(main, ["info", str(out), "--json"])
    assert shown.exit_code == 0, shown.output
    facts = json.loads(shown.stdout)
    assert facts["finished"] is False and facts["left_out"] == {"folder": str(out.with_suffix(".run")),
                                                                "why": why.split(": ", 1)[1]}
