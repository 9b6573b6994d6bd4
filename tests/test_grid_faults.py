"""A grid folder used oddly between runs of ``minitransfer experiment``: files replaced or
hand-edited, the folder put where it does not belong. Each is refused, naming what is at fault,
before anything is trained or written."""

import contextlib
import json
import os
import pwd
import re
import shutil
import subprocess
import textwrap

import hangup
import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file, scheduler
from minitransfer.data import synthetic


@pytest.fixture(scope="module")
def trained_bases(tmp_path_factory, micro_data):
    """random0/baseA and baseB trained for real (4 iterations each), their transfer A1B not yet:
    (grid folder, runs, options); tests work on copies of the folder."""
    out = tmp_path_factory.mktemp("bases") / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    assert [run.name for run in runs] == ["random0/baseA", "random0/baseB", "random0/A1B"]
    options = {"data": str(micro_data), "max_iter": 4, "seed": 0, "device": "cpu"}
    assert scheduler.run_grid(runs[:2], out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    return out, runs, options


def _listing(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_a_base_whose_weights_file_is_another_networks_is_not_copied_from(trained_bases, tmp_path):
    """baseB.h5 copied over baseA.h5 (a slip between two runs of the grid): baseA's run folder still
    says it finished on half A, so the grid took it as done and trained A1B from half B's network,
    a selffer reported as a transfer. Refused, by the grid and its dry run, naming the file and
    what differs, before A1B starts."""
    from minitransfer.cli import main

    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    shutil.copyfile(out / "random0" / "baseB.h5", out / "random0" / "baseA.h5")
    with pytest.raises(grid_check.GridMismatch, match=r"random0/baseA.run was trained with other options .*its "
                                                     r"weights file .*/random0/baseA.h5 is another run's network.*"
                                                     r"`half` 'A' -> 'B'"):
        scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01)
    assert not (out / "random0" / "A1B.run").exists()
    result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4",
                                       "--device", "cpu", "--dry-run"])
    assert result.exit_code == 2 and "baseA.h5 is another run's network" in result.output, result.output
    assert "--half 'A' -> 'B'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("recorded_out", ["random0/baseA.h5", "{old}/random0/baseA.h5"], ids=["relative", "old-place"])
def test_a_bases_config_json_recording_its_out_elsewhere_is_not_another_network(trained_bases, tmp_path,
                                                                                recorded_out):
    """config.json recording the weights' `out` in another form than they do (relative, as an older
    version wrote it; the folder's old place, left by a resumption that wrote only the weights) is
    the same run: the grid said its weights were another run's network. Another file name still is."""
    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    config = out / "random0" / "baseA.run" / "config.json"
    recorded = json.loads(config.read_text())
    config.write_text(json.dumps({**recorded, "out": recorded_out.format(old=tmp_path / "old")}))
    assert grid_check.trained_otherwise(out, runs[0], options) == []
    config.write_text(json.dumps({**recorded, "out": str(out / "random0" / "baseB.h5")}))
    assert "is another run's network" in grid_check.trained_otherwise(out, runs[0], options)[0]


def test_a_grid_folder_inside_its_dataset_is_refused_before_anything_is_written(micro_data, tmp_path):
    """-o inside --data (or --source-data): every run's train refuses to write there, so the grid
    used to write its plan and run folders into the dataset, then fail every base (exit 1)."""
    from minitransfer.cli import main

    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    before = _listing(data)
    arguments = ["experiment", "--data", str(data), "--layers", "1", "--no-fine-tuned", "--max-iter", "4",
                 "--device", "cpu"]
    for extra in (["-o", str(data / "grid")], ["-o", str(data)], ["-o", str(data / "grid"), "--dry-run"],
                  ["-o", str(data / "grid"), "--emit-slurm", str(tmp_path / "slurm")]):
        result = CliRunner().invoke(main, arguments + extra)
        assert result.exit_code == 2, result.output
        assert f"the grid folder {data}" in result.output and f"lies inside the dataset {data}" in result.output
        assert _listing(data) == before
    target = tmp_path / "target"  # other classes than the source's: a transfer across datasets
    synthetic.build_synthetic(target, classes=6, train_per_class=8, val_per_class=4, size=14, seed=2)
    cross = CliRunner().invoke(main, ["experiment", "--data", str(target), "--source-data", str(data), "-o",
                                      str(data / "cross"), "--layers", "1", "--max-iter", "4", "--device", "cpu"])
    assert cross.exit_code == 2 and f"lies inside the dataset {data}" in cross.output, cross.output
    assert _listing(data) == before


def test_a_hand_edited_plan_with_a_run_name_that_is_not_text_is_rewritten_not_a_traceback(tmp_path):
    """OUT/experiment.json edited by hand ("name": a list): writing the plan again keeps the
    earlier grid's readable records and leaves that one out."""
    out = tmp_path / "grid"
    out.mkdir()
    (out / grid.PLAN_FILE).write_text(json.dumps({"runs": [{"name": ["random0", "baseA"]}, {"name": "random7/baseA"}]}))
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    grid_plan_file.write_plan(out, runs, {"max_iter": 4}, ["minitransfer", "train"])
    listed = [record["name"] for record in json.loads((out / grid.PLAN_FILE).read_text())["runs"]]
    assert listed == [run.name for run in runs] + ["random7/baseA"]


@pytest.mark.parametrize("extra, message", [
    (["--dry-run"], "--dry-run writes nothing, --emit-slurm writes the SLURM scripts: give one of them"),
    (["--gpus", "0,1"], "--gpus 0,1 chooses this machine's GPUs; with --emit-slurm each run asks SLURM for its own"),
], ids=["dry-run", "gpus"])
def test_options_of_a_run_here_are_usage_errors_with_emit_slurm(micro_data, tmp_path, extra, message):
    """--emit-slurm used to write its scripts and the plan whatever --dry-run said, and to drop --gpus."""
    from minitransfer.cli import main

    result = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "grid"),
                                       "--layers", "1", "--max-iter", "4", "--emit-slurm", str(tmp_path / "slurm"),
                                       *extra])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "grid").exists() and not (tmp_path / "slurm").exists()


@pytest.mark.parametrize("counts", ["0", "10,2147483648", "99999999999999999999", "-1", "10,-5"])
def test_per_class_counts_out_of_range_are_usage_errors(micro_data, tmp_path, counts):
    """--per-class 99999999999999999999 passed the option's check and ended in plan_grid's
    ValueError, a traceback; 2147483648 (2**31) passed both, for runs train --per-class refuses; -1,
    an integer, was said to be "expected a comma-separated list of integers"."""
    from minitransfer.cli import main

    result = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "grid"),
                                       "--per-class", counts, "--dry-run"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--per-class': images per class must lie in 1..2147483647 (each count 1 or more), " \
           f"got {counts.split(',')[-1]}" in result.output, result.output
    assert not (tmp_path / "grid").exists()


@pytest.mark.parametrize("counts", ["10,,100", "10,", "1_0", "\u0661", "1-3", "-"])
def test_per_class_counts_with_an_empty_or_unusual_entry_are_usage_errors(micro_data, tmp_path, counts):
    """--per-class 10,,100 skipped the empty entry (a count left out by a slip), and 1_0 read as 10."""
    from minitransfer.cli import main

    result = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "grid"),
                                       "--per-class", counts, "--dry-run"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--per-class': expected a comma-separated list of integers" in result.output


def test_the_dry_run_shows_weights_left_without_their_run_as_the_failure_they_are(trained_bases, tmp_path):
    """baseB.run deleted, baseB.h5 left: its train refuses to replace the weights (exit 2), so the
    dry run must not promise to train it ("todo")."""
    from minitransfer.cli import main

    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    shutil.rmtree(out / "random0" / "baseB.run")
    result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (f"  [weights without a checkpoint] random0/baseB  (its train refuses to replace them, exit 2: move "
            f"{out / 'random0' / 'baseB.h5'} away to train it again)\n") in result.output, result.output
    lines = []
    outcome = scheduler.run_grid(runs, out, options, log=lines.append, poll_seconds=0.01)
    assert outcome.failed == ["random0/baseB"] and outcome.finished == ["random0/A1B"], lines
    assert "random0/baseB.h5 exists but there is nothing to resume from" in \
        (out / "random0" / "baseB.run" / "train.log").read_text()


def test_per_class_counts_above_every_class_are_noted_on_the_terminal(micro_data, tmp_path):
    """With 8 training images a class, --per-class 4,10 trains 10 on every image, as 8 would, which
    Figure S1 places at 10. The run's train.log warned; the grid's terminal, where the researcher
    looks, said nothing."""
    from minitransfer.cli import main

    done = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "g"), "--per-class",
                                     "4,10", "--dry-run", "--device", "cpu"])
    assert done.exit_code == 0, done.output
    notes = [line for line in done.output.splitlines() if line.startswith("note: --per-class")]
    assert notes == [f"note: --per-class 10: no class of {micro_data} has more than 8 training images, so these "
                     f"runs keep every image, as --per-class 8 would (Figure S1 places them at 10)"]


@pytest.mark.parametrize("counts, whole", [("4,10,100", "10 and 100"), ("2,8,1000", "8 and 1000")])
def test_per_class_counts_that_each_keep_every_image_are_usage_errors(micro_data, tmp_path, counts, whole):
    """With 8 training images a class, --per-class 4,10,100 planned reduced-0010 and reduced-0100,
    the same network (every image) trained twice, with a note each, and Figure S1 showed two points
    that are one; so did 8 (every image too, without a note) and 1000."""
    from minitransfer.cli import main

    done = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "g"), "--per-class",
                                     counts, "--dry-run", "--device", "cpu"])
    assert done.exit_code == 2, done.output
    assert done.output.splitlines()[-1] == (
        f"error: --per-class {whole} each keep every training image of {micro_data} (no class has more than 8): the "
        f"same network trained 2 times, which Figure S1 would show as 2 points; keep one of them; 7 is the largest "
        f"count that still reduces a class")
    assert "note: --per-class" not in done.output and not (tmp_path / "g").exists()


def test_an_interrupted_grid_whose_output_reader_has_gone_exits_75_with_its_summary_on_stderr(micro_data, tmp_path):
    """Ctrl-C on `minitransfer experiment | tee grid.log` ends tee too: the closing summary met a
    closed pipe, a BrokenPipeError traceback and exit code 1 (or 120) instead of 75."""
    script = textwrap.dedent(f"""
        import sys

        from minitransfer import scheduler
        from minitransfer.cli import main
        from minitransfer.grid_outcome import GridInterrupted, GridOutcome

        def interrupted(runs, out, options, devices, log, progress):
            sys.stdin.readline()  # the reader of stdout has gone
            raise GridInterrupted("stopped", GridOutcome([], [], [], {{}}, interrupted=True, stopped=["random0/baseA"]))

        scheduler.run_grid = interrupted
        main(["experiment", "--data", {str(micro_data)!r}, "-o", {str(tmp_path / "g")!r}, "--layers", "1",
              "--device", "cpu"], prog_name="minitransfer")
        """)
    error, code = hangup.reader_gone(hangup.piped(script))
    assert code == 75, error
    assert "1 stopped with a checkpoint" in error and "Traceback" not in error


@contextlib.contextmanager
def _read_only(folder):
    """``folder``, holding its files, made read-only: a read-only bind mount of itself as root (root
    ignores modes), else chmod 555."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode:
        pytest.skip("a read-only folder for root needs mount rights (a read-only bind mount)")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _snapshot(folder):
    return {path: (path.stat().st_size, path.stat().st_mtime_ns) for path in folder.rglob("*")}


def test_a_finished_grid_in_a_read_only_folder_is_reported_not_refused(trained_bases, tmp_path):
    """Results copied onto a read-only mount (or another user's folder), the grid rerun as it was
    run: it stopped with exit code 74 naming its lock file, with nothing to do. Its runs are checked
    and reported finished, writing nothing; with runs left there, it is still 74, naming the folder."""
    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    lines = []
    with _read_only(out):
        before = _snapshot(out)
        outcome = scheduler.run_grid(runs[:2], out, options, log=lines.append, poll_seconds=0.01)
        assert (outcome.exit_code, outcome.skipped) == (0, ["random0/baseA", "random0/baseB"])
        assert lines == [f"all 2 runs already finished; nothing to do, and nothing written in {out} (which this "
                         f"process cannot write)"]
        with pytest.raises(OSError, match=rf"^cannot write in {re.escape(str(out))} \(.+\): 1 of 3 runs are left "
                                          rf"to train there; give a folder this process can write"):
            scheduler.run_grid(runs, out, options, log=lines.append, poll_seconds=0.01)
        assert _snapshot(out) == before


def test_slurm_scripts_for_a_read_only_grid_folder_are_refused_naming_the_folder(trained_bases, tmp_path):
    """--emit-slurm on a read-only copy of a grid folder exited 74 saying "cannot write
    OUT/.experiment-planning.lock", a file the user never named: it names the folder, as the local
    grid does, and what a grid writes there."""
    from minitransfer.cli import main

    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    with _read_only(out):
        before = _snapshot(out)
        result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1",
                                           "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--emit-slurm",
                                           str(tmp_path / "slurm")])
        assert _snapshot(out) == before
    assert result.exit_code == 74, result.output
    error = result.output.splitlines()[-1]  # after the warning that 4 iterations make 1 evaluation
    assert re.fullmatch(rf"error: cannot write in {re.escape(str(out))} \(.+\): a grid writes its plan "
                        rf"\(experiment.json\), its runs and its lock files there \(.experiment-planning.lock first\); "
                        rf"give a folder this process can write \(a copy of this one keeps its finished runs\)",
                        error), result.output
    assert not (tmp_path / "slurm" / "submit.sh").exists()


@pytest.mark.parametrize("read_only", [".", ".experiment-planning.lock"], ids=["folder", "lock-file"])
def test_a_dry_run_in_a_read_only_grid_folder_with_runs_left_is_refused_as_the_grid_is(trained_bases, tmp_path,
                                                                                       read_only):
    """A grid folder this process may not write (read-only, or another user's: seen run as nobody on
    root's), or whose lock file it may not (another user's, in a folder shared with them), runs left
    there: the grid refused (exit 74), its dry run listed them to do and "would run on the CPU" (exit
    0). It says what the grid says."""
    from minitransfer.cli import main

    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    arguments = ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--device", "cpu"]
    with _read_only(out / read_only):
        before = _snapshot(out)
        dry, real = (CliRunner().invoke(main, arguments + extra) for extra in (["--dry-run"], []))
        assert _snapshot(out) == before
    owner, mode = pwd.getpwuid(os.geteuid()).pw_name, (out / read_only).stat().st_mode & 0o777
    refused = (rf"cannot write in {re.escape(str(out))} \(.+\)" if read_only == "." else  # the lock file alone: named
               rf"cannot open {re.escape(str(out / read_only))}, the grid's lock file, for writing \(.+; it is "
               rf"{re.escape(owner)}'s, mode {mode:o}\), though this process may write in {re.escape(str(out))}")
    for result in (dry, real):
        assert result.exit_code == 74, result.output
        said = result.output.splitlines()[-1]
        assert re.fullmatch(rf"error: {refused}: 2 of 4 runs are left to train there; give a folder this process can "
                            rf"write \(a copy of this one keeps its finished runs\)", said), result.output
    assert dry.output.splitlines()[-1] == real.output.splitlines()[-1]


@pytest.mark.parametrize("device", ["auto", "cuda"])
def test_a_listed_gpu_that_cupy_cannot_use_is_no_gpu_for_a_grid(micro_data, tmp_path, monkeypatch, device):
    """CUDA_VISIBLE_DEVICES set where CuPy is missing (a container, a shared server): the grid
    planned one run per listed GPU, each to fail without CUDA."""
    from minitransfer import cuda
    from minitransfer.cli import main

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    monkeypatch.setattr(cuda, "cuda_available", lambda: False)
    done = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "g"), "--layers",
                                     "1", "--dry-run", "--device", device])
    if device == "auto":
        assert done.exit_code == 0 and "would run on the CPU, one at a time" in done.output, done.output
    else:
        assert done.exit_code == 2, done.output
        assert "--device cuda: CUDA_VISIBLE_DEVICES lists GPU 0, 1, but CuPy cannot use it here" in done.output


@pytest.mark.parametrize("where", ["inside", "around"])
def test_a_grid_inside_another_grids_folder_or_around_it_is_refused_before_anything_is_written(
        trained_bases, tmp_path, where):
    """A folder's report reads every run under it: the outer folder's report pooled the two grids'
    networks, whatever their options (the demo refused this; experiment ran, then the report of
    the outer grid mixed another schedule into its tables). Refused by the grid, its dry run and
    its SLURM scripts, naming both folders."""
    from minitransfer.cli import main

    source, runs, options = trained_bases
    work = tmp_path / "work"
    first = work / "first"
    shutil.copytree(source, first)
    out = first / "more" if where == "inside" else work
    before = _listing(work)
    arguments = ["experiment", "--data", options["data"], "--layers", "1", "--no-fine-tuned", "--device", "cpu"]
    for extra in ([], ["--dry-run"], ["--emit-slurm", str(tmp_path / "slurm")]):
        result = CliRunner().invoke(main, [*arguments, "-o", str(out), "--max-iter", "6", *extra])
        assert result.exit_code == 2, result.output
        says = f"{out} lies inside {first}, the folder of another grid" if where == "inside" else \
            f"{out} holds {first}, the folder of another grid"
        assert says in result.output and "Traceback" not in result.output, result.output
        assert _listing(work) == before and not (tmp_path / "slurm").exists()
    same_folder = CliRunner().invoke(main, [*arguments, "-o", str(first), "--max-iter", "4", "--dry-run"])
    assert same_folder.exit_code == 0, same_folder.output


@pytest.mark.parametrize("where", ["is", "lies inside"], ids=["is", "inside"])
def test_a_grid_folder_in_a_runs_directory_is_refused_before_anything_is_written(micro_data, tmp_path, where):
    """-o baseA.run (or a folder in it), the run directory of a `train -o baseA.h5`: every run's train
    refuses to write there, so the grid wrote its plan and run folders into that run's files, then
    failed every base (exit 1), where its dry run had shown them all to do."""
    from minitransfer.cli import main

    host = tmp_path / "baseA.run"
    host.mkdir()
    (host / "config.json").write_text("{}")
    out = host if where == "is" else host / "grid"
    arguments = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--no-fine-tuned", "--max-iter",
                 "4", "--device", "cpu"]
    for extra in ([], ["--dry-run"], ["--emit-slurm", str(tmp_path / "slurm")]):
        result = CliRunner().invoke(main, arguments + extra)
        assert result.exit_code == 2, result.output
        place = "is a run's folder" if where == "is" else f"lies inside {host}, a run's folder"
        assert (f"--out {out} {place} (train wrote it, for baseA.h5), where no other run may write: give a folder of "
                f"its own, e.g. {tmp_path / 'grid'}") in result.output
        assert _listing(host) == ["config.json"] and not (tmp_path / "slurm").exists()


def test_the_dry_run_refuses_runs_trained_at_once_that_need_more_memory_than_there_is_as_the_grid_does(
        micro_data, tmp_path, monkeypatch):
    """--gpus 0,0,0 where three runs at once do not fit: the dry run showed the plan and "would run
    on GPUs 0, 0, 0", then the grid itself stopped (exit 1, out of memory) before any run."""
    from minitransfer import cuda, preflight_memory
    from minitransfer.cli import main
    from minitransfer.memory_limit import Available

    monkeypatch.setattr(cuda, "cuda_available", lambda: True)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")  # the GPU --gpus 0 names
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(2**20, "MemAvailable in /proc/meminfo"))
    monkeypatch.setattr(scheduler, "run_grid", lambda *args, **kwargs: pytest.fail("the grid must not start"))
    arguments = ["experiment", "--data", micro_data, "-o", str(tmp_path / "g"), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--gpus", "0,0,0", "--dry-run"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1, result.output
    assert "error: out of memory: the grid trains 3 runs at once (its slots: 3 on GPU 0)" in result.output
    assert "would run on" not in result.output and not (tmp_path / "g").exists()


def test_a_grid_rerun_with_another_seed_is_refused_naming_the_seeds_given_not_those_derived(trained_bases, tmp_path):
    """The bases were trained with --seed 0; --seed 1 was refused with "--seed 94819094 -> 95819097",
    the runs' own seeds, which no one typed."""
    from minitransfer.cli import main

    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    arguments = ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--device", "cpu", "--dry-run", "--seed", "1"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    assert "random0/baseA.run was trained with other options than this grid asks for (--seed 0 -> 1 (the grid's " \
           "seed the runs there trained from -> the one given now; each run's own derives from it))" in result.output, \
        result.output
    (out / grid.PLAN_FILE).unlink()  # no plan to tell the grid's seed: the run's own is named
    derived = grid.run_seed(1, runs[0])
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    assert f"(--seed {grid.run_seed(0, runs[0])} -> {derived} (the run's own seed -> the one the grid's --seed 1 " \
           f"derives for it))" in result.output, result.output


@pytest.mark.parametrize("how", ["in-place", "copied"])
def test_a_finished_transfer_whose_base_was_deleted_is_refused_before_the_base_is_trained_again(trained_bases, tmp_path,
                                                                                                how):
    """baseA (weights and run) deleted by hand after A1B had copied it: the rerun trained baseA again,
    another network (its file's sha256 differs), and skipped A1B as done, so the grid's A1B no longer
    came from its baseA, and the next rerun refused the folder. In a copied grid the same rerun was
    refused up front, but as if A1B had been trained with another --copy-from. Refused before
    anything is trained, by the grid and its dry run, naming A1B and the missing base."""
    from minitransfer.cli import main

    source, runs, options = trained_bases
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).finished == ["random0/A1B"]
    if how == "copied":
        shutil.copytree(out, tmp_path / "copy")
        out = tmp_path / "copy"
    shutil.rmtree(out / "random0" / "baseA.run")
    (out / "random0" / "baseA.h5").unlink()
    says = (f"{out}/random0/A1B.run copied the first 1 layers of random0/baseA, whose weights file "
            f"{out}/random0/baseA.h5 is gone: the grid would train random0/baseA again")
    result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 2 and says in result.output and "Traceback" not in result.output, result.output
    with pytest.raises(grid_check.GridMismatch, match=re.escape(says)):
        scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01)
    assert not (out / "random0" / "baseA.run").exists()
