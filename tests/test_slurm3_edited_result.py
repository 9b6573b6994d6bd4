"""submit.sh and a finished run whose result.json was edited since train wrote it (an accuracy changed, its
``content_sha256`` left as it was): report refuses it and a local grid takes the run as not finished (its train
writes the result again from its checkpoint, or the run is lost where that is gone). Before, submit.sh's bash
check ``written`` went by the result's shape alone: the run counted finished and was skipped. Its digest is
checked by one Python for all the runs that hold one (none started where none does: written before the digest,
taken as before). Stand-ins for SLURM's commands (tests/test_slurm.py), no SLURM needed."""

import json
import subprocess
import sys

import pytest
from fake_results import finished_result
import test_slurm
from test_slurm import OPTIONS, finish, sbatch_calls, submit_grid, submitted_runs
from test_slurm_damaged_result import finished_grid

from minitransfer import experiment as grid
from minitransfer import grid_status, slurm
from minitransfer.result_digests import RESULT_SHA256, result_edited, result_sha256

fake_slurm = test_slurm.fake_slurm  # the fixture
from minitransfer import slurm_finished


def edit(path, **fields):
    """result.json at ``path`` with ``fields`` changed, its digest kept, written as train writes it."""
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, **fields}, indent=2) + "\n")


def status_of(out, runs, name):
    return grid_status.run_status(out, next(run for run in runs if run.name == name))


@pytest.mark.parametrize("name", ["random0/B1B", "random0/baseA"], ids=["transfer", "base"])
def test_an_edited_result_with_its_checkpoint_is_submitted(tmp_path, fake_slurm, name):
    runs, out, scripts, submit = finished_grid(tmp_path)
    edit(out / f"{name}.run" / "result.json", final={"iteration": 20, "top1": 0.25, "top5": 1.0, "loss": 1.0})
    (out / f"{name}.run" / grid.CHECKPOINT_FILE).write_text("checkpoint")
    assert status_of(out, runs, name).kind != grid_status.DONE  # as a local grid takes it
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert submitted_runs(fake_slurm, scripts) == [[name]], done.stdout
    assert "nothing to submit" not in done.stdout


def test_an_edited_result_without_its_checkpoint_is_lost(tmp_path, fake_slurm):
    runs, out, scripts, submit = finished_grid(tmp_path)
    edit(out / "random0/A1B.run" / "result.json", mean10_top1=0.125)
    assert status_of(out, runs, "random0/A1B") == grid_status.RESULT_LOST
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert sbatch_calls(fake_slurm) == []
    assert "cannot be read (empty, cut short or edited) and whose checkpoint is gone" in done.stderr, done.stderr
    assert "run random0/A1B: keep" in done.stderr
    assert f"nothing else to submit: the other {len(runs) - 1} runs are finished in {out}" in done.stdout


def counted_python(tmp_path, monkeypatch):
    """sys.executable (the Python the scripts name) made one that leaves a line in the file returned at each start."""
    counter, python = tmp_path / "pythons", tmp_path / "python"
    python.write_text(f'#!/usr/bin/env bash\necho started >> {counter}\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(python))
    return counter


def bash_finished(tmp_path, results, said=""):
    """Whether submit.sh's lines (``finished``, after ``$edited_results`` is filled) take each run finished, the
    runs named r0, r1, ... holding ``results`` (texts) beside a weights file, in OUT ``tmp_path / "out"``."""
    out = tmp_path / "out"
    for number, text in enumerate(results):
        (out / f"r{number}.run").mkdir(parents=True)
        (out / f"r{number}.run" / "result.json").write_text(text)
        (out / f"r{number}.h5").write_text("weights")
    names = " ".join(f"r{number}" for number in range(len(results)))
    script = "\n".join([f"out={out}", f"base_runs=({names})", "transfer_runs=()", *slurm_finished.finished_lines(),
                        *slurm_finished.edited_results_lines(),
                        'for run in "${base_runs[@]}"; do if finished "$run"; then echo yes; else echo no; fi; done'])
    done = subprocess.run(["bash", "-euc", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == said, done.stderr
    return [said == "yes" for said in done.stdout.split()]


def test_one_python_tells_every_edited_result_and_none_starts_for_results_without_a_digest(tmp_path, monkeypatch):
    counter = counted_python(tmp_path, monkeypatch)
    record = finished_result()
    older = {key: value for key, value in record.items() if key != RESULT_SHA256}
    texts = [json.dumps(record, indent=2) + "\n", json.dumps({**record, "best_top1": 0.75}, indent=2),
             json.dumps(record), json.dumps({**older, "best_top1": 0.75}),  # written before the digest: as before
             json.dumps({**record, "seconds": 2.5})]
    assert bash_finished(tmp_path / "digests", texts) == [True, False, True, True, False]
    assert counter.read_text() == "started\n"  # one Python for the five
    counter.unlink()
    assert bash_finished(tmp_path / "older", [json.dumps(older)] * 3) == [True] * 3
    assert not counter.exists()


def test_where_the_python_cannot_answer_results_count_by_their_shape_and_that_is_said(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")
    record = finished_result()
    said = ("note: whether the result.json and eval.csv of the finished runs are as train wrote them was not checked "
            "(/bin/false failed): one edited since counts finished here, though report refuses it\n")
    assert bash_finished(tmp_path, [json.dumps({**record, "best_top1": 0.75})], said) == [True]


def test_the_check_submit_sh_runs_tells_what_run_files_result_edited_tells(tmp_path):
    """submit.sh's Python check (json and hashlib alone, minitransfer's modules importing h5py) against the one
    report and a local grid go by, on results as train writes them and edited: keys reordered, blanks, numbers
    spelled otherwise, non-finite values (written as null; NaN typed in by hand), text beyond ASCII."""
    record = finished_result()
    odd = {**record, "out": "é€ {\"x\"}.h5", "final": {**record["final"], "loss": None}}
    odd[RESULT_SHA256] = result_sha256(odd)
    reordered = dict(reversed(list(record.items())))
    texts = [json.dumps(record, indent=2), json.dumps(reordered), json.dumps(odd, ensure_ascii=False),
             json.dumps(odd), json.dumps(record).replace('"top1": 0.5', '"top1": 5e-1'),
             json.dumps(record).replace('"top1": 0.5', '"top1": 0.25'),
             json.dumps(odd).replace('"loss": null', '"loss": NaN'),
             json.dumps(odd).replace('"loss": null', '"loss": 1.5'),
             json.dumps({**record, RESULT_SHA256: 7}), json.dumps({"final": {RESULT_SHA256: "0"}})]
    paths = []
    for number, text in enumerate(texts):
        paths.append(tmp_path / f"{number}.json")
        paths[-1].write_text(text)
    done = subprocess.run([sys.executable, "-I", "-c", slurm_finished.edited_check()], capture_output=True,
                          check=True, input=b"".join(bytes(path) + b"\0" for path in paths))
    said = [number in map(int, done.stdout.split()) for number in range(len(texts))]
    assert said == [result_edited(json.loads(text)) for text in texts]
    assert said == [False] * 5 + [True, False, True, True, False]


REWRITES = {
    # renamed into place, as train writes it: a new inode
    "written-again": "    result.with_name('new').write_text(result.read_text())\n"
                     "    os.replace(result.with_name('new'), result)\n",
    # written again under the inode it had: as the result train removes (a run it trains again past it) and writes
    # later may be given the inode freed (ext4 reuses them: seen 3 times in 5 in one folder), or as `cp` of a copy
    # over it; the same bytes, so the same size too
    "same-inode": "    before = os.stat(result).st_ino\n"
                  "    result.write_text(result.read_text())\n"
                  "    assert os.stat(result).st_ino == before\n",
    "left": "    pass\n",
}


@pytest.mark.parametrize("rewrites", list(REWRITES))
def test_a_task_whose_train_writes_an_edited_result_again_says_done(tmp_path, fake_slurm, rewrites):
    """Submitted now, the task of a run whose edited result.json is whole by its shape: its train writes the
    result again, and the task said "already finished"; one its train leaves alone still is. Told by the result's
    inode alone, one written again under the same inode was still said "already finished"."""
    runs, out, scripts = grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm"
    train = tmp_path / "train.py"
    train.write_text("import os, pathlib, sys\n"
                     "args = sys.argv[1:]\nout = pathlib.Path(args[args.index('--out') + 1])\n"
                     "result = out.with_name(out.stem + '.run') / 'result.json'\n"
                     f"if True:\n{REWRITES[rewrites]}")
    slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=[sys.executable, str(train)])
    finish(out, "random0/baseA")
    edit(out / "random0/baseA.run" / "result.json", best_top1=0.75)
    task = test_slurm.run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=test_slurm.GUARD_SECONDS)[0]
    assert task.returncode == 0, output
    said = "already finished" if rewrites == "left" else "done"
    assert output.endswith(f"run random0/baseA: {said}\n"), output
