"""``--emit-slurm`` stopped (Ctrl-C, SIGTERM: a KeyboardInterrupt) while it writes the plan and the
scripts: OUT's plan never names a folder of scripts that were not all written for it, and the same
emission again finishes the set, which submit.sh then submits. No SLURM needed: stand-ins for its
commands."""

import json
import pathlib

import pytest
from test_slurm import OPTIONS, fake_slurm, sbatch_calls, scripts_id_of, submit_grid  # noqa: F401

from minitransfer import fileio, grid_plan_file, slurm
from minitransfer import experiment as grid

RUNS = grid.plan_grid(layers=(1,))


def recorded_scripts(out):
    """The folder of SLURM scripts OUT's plan names, or None."""
    return json.loads((out / grid.PLAN_FILE).read_text()).get(grid.SLURM_SCRIPTS)


def interrupt_at(monkeypatch, module, name, calls=1, file=None):
    """Make ``module.name`` raise KeyboardInterrupt at its ``calls``-th call (of those whose first argument is a
    path named ``file``, where given), as Ctrl-C there would. fileio's functions are shared: the emission's
    look at the plan it replaces also records the dataset's hashes in the cache, once its files are old enough
    (a count of every write_text call then stopped that record, not a run's treatment.json)."""
    real, count = getattr(module, name), []

    def stopped(*args, **kwargs):
        if file is not None and pathlib.PurePath(args[0]).name != file:
            return real(*args, **kwargs)
        count.append(1)
        if len(count) == calls:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, stopped)


@pytest.mark.parametrize("module, name, calls, file", [
    (grid_plan_file.fileio, "write_text", 1, grid_plan_file.TREATMENT_FILE),  # a run's, after experiment.json
    (slurm, "_replace_all", 1, None),  # the plan written, no script yet
    (fileio, "fsync_path", 2, None),  # the second script's temporary
], ids=["a-run-folder", "before-the-scripts", "between-two-scripts"])
@pytest.mark.parametrize("earlier", [False, True], ids=["first", "over-another-plan"])
def test_emit_slurm_stopped_midway_names_no_scripts_and_again_finishes_them(tmp_path, fake_slurm, synthetic_8,
                                                                            monkeypatch, module, name, calls, file,
                                                                            earlier):
    """Before: experiment.json, written first, named the scripts folder before any script was written
    there (stopped before them: a folder holding no submit.sh, or that of another plan)."""
    out, scripts, options = tmp_path / "grid", tmp_path / "slurm", dict(OPTIONS, data=synthetic_8)
    if earlier:  # the same folders, planned with other options: its submit.sh is to submit nothing of the new plan
        slurm.emit_slurm(RUNS, out, scripts, dict(options, max_iter=30))
    with monkeypatch.context() as patched:
        interrupt_at(patched, module, name, calls, file)
        with pytest.raises(KeyboardInterrupt):
            slurm.emit_slurm(RUNS, out, scripts, options)
    assert recorded_scripts(out) is None
    if (scripts / slurm.SUBMIT_FILE).exists():  # an earlier set: refused, as of another plan
        refused = submit_grid(scripts / slurm.SUBMIT_FILE)
        assert refused.returncode == 2 and "is no longer planned as these scripts were written for" in refused.stderr
        assert not (fake_slurm / "sbatch").exists()

    submit = slurm.emit_slurm(RUNS, out, scripts, options)
    assert recorded_scripts(out) == str(scripts)
    plan = json.loads((out / grid.PLAN_FILE).read_text())
    assert f"plan={plan[grid.PLAN_ID]} " in submit.read_text()
    assert all(f"scripts_id={scripts_id_of(scripts)}\n" in (scripts / each).read_text()
               for each in (slurm.BASES_FILE, slurm.TRANSFERS_FILE))
    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    assert len(sbatch_calls(fake_slurm)) == 3  # the bases, then the transfers of each base


def test_the_same_plan_emitted_again_keeps_naming_its_scripts(tmp_path, fake_slurm, synthetic_8, monkeypatch):
    """The same emission again rewrote experiment.json twice (the plan first without its scripts, then
    with them), and one stopped midway left a plan no longer naming the scripts still submitting its runs:
    a later grid of other options then replaced it without saying they were stale. Now the plan of the
    same id keeps naming them, and an emission that changes nothing writes nothing."""
    out, scripts, options = tmp_path / "grid", tmp_path / "slurm", dict(OPTIONS, data=synthetic_8)
    slurm.emit_slurm(RUNS, out, scripts, options)
    before = (out / grid.PLAN_FILE).stat()
    slurm.emit_slurm(RUNS, out, scripts, options)
    after = (out / grid.PLAN_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    with monkeypatch.context() as patched:
        interrupt_at(patched, slurm, "_replace_all")
        with pytest.raises(KeyboardInterrupt):
            slurm.emit_slurm(RUNS, out, tmp_path / "elsewhere", options)
    assert recorded_scripts(out) == str(scripts)
