"""A folder whose runs two minitransfer versions trained (a demo or grid rerun after an upgrade trains only what it
had not finished) was reported as one, without a word: the report now says so among the runs to read with care,
each version with its runs (findings.md, results.md, the terminal's warnings)."""

import json

from fake_results import finished_result
from minitransfer import experiment as grid
from minitransfer import grid_plan_file
from minitransfer.grid_options import ALL_CLASSES
from minitransfer.report import write_report
from minitransfer.result_digests import RESULT_SHA256, result_sha256


def _result(top1, version):
    record = finished_result(top1=top1)
    del record[RESULT_SHA256]
    record["environment"] = dict(record["environment"], minitransfer=version)
    return {**record, RESULT_SHA256: result_sha256(record)}


def _grid(out, version_of):
    for run in grid.plan_grid(layers=[1]):
        folder = grid.run_dir(out, run)
        folder.mkdir(parents=True)
        grid.weights_path(out, run.name).write_text("weights")
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
        (folder / "result.json").write_text(json.dumps(_result(0.6, version_of(run.name))))
    return out


def test_two_versions_said_with_their_runs(tmp_path):
    out = _grid(tmp_path / "g", lambda name: "0.11.4" if name.endswith("base" + name[-1]) else "0.11.5")
    report = write_report(out, figures=False)
    said = [w for w in report.brief_warnings(3) if "minitransfer versions" in w]
    assert len(said) == 1, report.brief_warnings(3)
    assert "trained by 2 minitransfer versions: 0.11.5 (4: " in said[0]
    assert "0.11.4 (2: random0/baseA, random0/baseB)" in said[0]
    for name in ("findings.md", "results.md"):
        assert "trained by 2 minitransfer versions" in (out / "report" / name).read_text(), name


def test_one_version_says_nothing(tmp_path):
    out = _grid(tmp_path / "g", lambda name: "0.11.5")
    report = write_report(out, figures=False)
    assert not any("minitransfer versions" in w for w in report.brief_warnings(3))
    assert "minitransfer versions" not in (out / "report" / "findings.md").read_text()


def test_every_run_of_a_version_named_in_the_files(tmp_path):
    """Which runs to train again: findings.md and results.md named the first 3 of each version and '...', the other
    runs nowhere (results.csv records no version); they name every one now, the terminal 3 and the file of all."""
    out = _grid(tmp_path / "g", lambda name: "0.11.4" if name.endswith("base" + name[-1]) else "0.11.5+local")
    newer = [run.name for run in grid.plan_grid(layers=[1]) if "base" not in run.name]
    assert len(newer) == 4  # more than the terminal names
    report = write_report(out, figures=False)
    for name in ("findings.md", "results.md"):
        (line,) = [line for line in (out / "report" / name).read_text().splitlines() if "minitransfer versions" in line]
        assert all(run in line for run in newer), (name, line)
        assert "..." not in line, line
    (said,) = [w for w in report.brief_warnings(3) if "minitransfer versions" in w]
    assert sum(run in said for run in newer) == 3, said
    assert "and 1 more); 0.11.4 (2: random0/baseA, random0/baseB), all listed in " \
        f"{out / 'report' / 'findings.md'};" in said, said
    (said,) = [w for w in report.brief_warnings(1) if "minitransfer versions" in w]  # each version cut short
    assert said.count("all listed in") == 1 and "and 3 more); " in said and "and 1 more), all listed" in said, said


def test_a_demos_runs_are_trained_again_by_a_demo(tmp_path):
    """A demo rerun after an upgrade trains what it had not finished with the new version; to train every network with
    one version its user runs the demo into a folder of its own (a rerun into the same folder trains none again), not
    train --overwrite of each run, which the demo's advice then offered as an option it does not take."""
    advice = {}
    for kind, options in (("demo", {ALL_CLASSES: {"max_iter": 30}, "preset": "micro"}), ("grid", {"max_iter": 30})):
        out = _grid(tmp_path / kind, lambda name: "0.11.4" if name.endswith("base" + name[-1]) else "0.11.5")
        grid_plan_file.write_plan(out, grid.plan_grid(layers=[1]), options, ["train"])
        (advice[kind],) = [w for w in write_report(out, figures=False).brief_warnings(3) if "versions" in w]
    assert advice["demo"].endswith("to be sure, run the demo again into a folder of its own (demo -o FOLDER), which "
                                   "trains every network with this version"), advice["demo"]
    assert "--overwrite" not in advice["demo"]
    assert "train the runs of all but one version again with it (train --overwrite), then the runs that copied " \
           "their layers from a base trained again" in advice["grid"], advice["grid"]
