"""grid_plan_file.write_plan read OUT/experiment.json five times to write it once (its id, the
options it records, its runs, its SLURM scripts' folder and its id again): once is enough, and
what it writes is what it wrote then, the plan there kept and its scripts' folder with it."""

import json
import pathlib

from minitransfer import experiment as grid
from minitransfer import grid_plan_file

RUNS = [run for run in grid.plan_grid(layers=(1,))]


def _plan_reads(monkeypatch):
    reads = []
    read_text = pathlib.Path.read_text

    def counted(path, *args, **kwargs):
        reads.extend([path] if path.name == grid.PLAN_FILE else [])
        return read_text(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_text", counted)
    return reads


def test_the_plan_is_read_once_and_kept_with_its_scripts(tmp_path, monkeypatch):
    out = tmp_path / "grid"
    options = {"max_iter": 4, "seed": 3}
    first = grid_plan_file.write_plan(out, RUNS, options, ["train"])
    grid_plan_file.record_slurm_scripts(out, tmp_path / "slurm")
    (out / grid.PLAN_FILE).write_text(json.dumps({**json.loads((out / grid.PLAN_FILE).read_text()),
                                                  "runs": [{"name": "random9/baseB"}]}))  # a run of another plan
    reads = _plan_reads(monkeypatch)
    again = grid_plan_file.write_plan(out, RUNS[:2], options, ["train"])
    assert reads == [out / grid.PLAN_FILE]
    plan = json.loads((out / grid.PLAN_FILE).read_text())
    assert again == first and plan[grid.SLURM_SCRIPTS] == str(tmp_path / "slurm")
    assert [run["name"] for run in plan["runs"]] == [run.name for run in RUNS[:2]] + ["random9/baseB"]
