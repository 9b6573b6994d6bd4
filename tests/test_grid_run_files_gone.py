"""A grid's run that trained to its end, whose result.json, weights file and checkpoint.h5 were all deleted since:
report, info and a resume said it "stopped before its first checkpoint", and the dry run "[todo]" alone, though its
logs record its last iteration. Each now says that it trained to its end and its files are gone (one rule:
run_networks.files_gone), with the command that trains it again (info, a resume), which does.

What report, info and a grid's dry run say of such a run, and of one that SLURM killed for its memory limit.
Report repeated the grid's command inside each gone run's parentheses (its "to finish them, run:" line gives
it once); info gave two remedies (the grid's command, then "its train command with --overwrite"); `info X.h5`, its
run's files gone, said click's "Path ... does not exist"; a run whose train.log ends on slurmstepd's memory kill
was "stopped before its first checkpoint" in report, a bare [todo] in its dry run."""

import shlex
import shutil
import subprocess
import types

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import grid_status, memory_kills, run_networks, slurm_task_failure
from minitransfer.cli import main

GONE = "it trained to its end (its logs record iteration 4, its last), but its result.json, network {}.h5 and " \
       "checkpoint.h5 are not there"
OOM = ("slurmstepd-vm: error: Detected 1 oom_kill event in StepId=77.0. Some of your processes may have been killed "
       "by the cgroup out-of-memory handler.")
OVER_LIMIT = "slurmstepd-node7: error: StepId=77.0 exceeded memory limit (63725568 > 62914560), being killed"


def _command(micro_data, out, *more):
    return ["experiment", "--data", str(micro_data), "-o", str(out), "--layers", "1", "--no-fine-tuned",
            "--preset", "micro", "--max-iter", "4", "--device", "cpu", *more]


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """A grid of 4 micro runs of 4 iterations, trained once: copy it before changing it."""
    out = tmp_path_factory.mktemp("trained") / "grid"
    first = CliRunner().invoke(main, _command(micro_data, out))
    assert first.exit_code == 0, first.output
    return out


@pytest.fixture
def grid(trained, tmp_path):
    out = tmp_path / "grid"
    shutil.copytree(trained, out)
    return out


def _files_gone(out, name="A1B"):
    folder = out / "random0" / f"{name}.run"
    for path in (folder / "result.json", folder / "checkpoint.h5", out / "random0" / f"{name}.h5"):
        path.unlink()
    return folder


def test_a_finished_run_whose_files_are_gone_is_said_so_by_report_info_resume_and_the_dry_run(grid, micro_data,
                                                                                              tmp_path):
    folder = _files_gone(grid)
    said = "it trained to its end (its logs record iteration 4, its last), but its result.json, network A1B.h5 and " \
           "checkpoint.h5 are not there"
    report = CliRunner().invoke(main, ["report", str(grid), "-o", str(tmp_path / "report")])
    assert said in report.output and "before its first checkpoint" not in report.output, report.output
    info = CliRunner().invoke(main, ["info", str(folder)])
    assert info.exit_code == 2 and said in info.output and "before" not in info.output, info.output
    resume = CliRunner().invoke(main, ["train", "--resume", str(folder)])
    assert resume.exit_code == 2 and said in resume.output, resume.output
    dry = CliRunner().invoke(main, _command(micro_data, grid, "--dry-run"))
    line = next(line for line in dry.stdout.splitlines() if "] random0/A1B" in line)
    assert line.startswith(f"  [todo: {grid_status.TRAINED_GONE}] random0/A1B"), line

    # info's command, pasted, trains it again: the oracle is its network and result.json there again
    pasted = shlex.split(info.output.split("rerun its grid: `")[1].split("`")[0])
    assert pasted[:2] == ["minitransfer", "experiment"], pasted
    rerun = CliRunner().invoke(main, pasted[1:])
    assert rerun.exit_code == 0, rerun.output
    assert ("trained again: random0/A1B, which trained to its end once, its result.json, weights file and "
            "checkpoint gone since") in rerun.output, rerun.output
    assert checkpoints.load(grid / "random0" / "A1B.h5").meta["iteration"] == 4
    assert (folder / "result.json").is_file()


def test_a_run_stopped_before_its_end_is_not_said_to_have_finished(grid):
    """Its logs cut back before its last iteration, its train.log without its result (as a run killed at iteration
    2 leaves them): not files_gone."""
    folder = _files_gone(grid)
    eval_csv = folder / "eval.csv"
    eval_csv.write_text("".join(line + "\n" for line in eval_csv.read_text().splitlines()
                                if not line.startswith("4,")))
    (folder / "metrics.jsonl").write_text("")
    (folder / "train.log").write_text("iteration 2/4 loss 0.6931 lr 0.01 2.0 it/s\n")
    assert run_networks.files_gone(folder) == ""
    assert grid_status.run_status(grid, types.SimpleNamespace(name="random0/A1B")).words == grid_status.TODO


def test_a_run_trained_by_hand_whose_files_are_gone_is_said_so_without_a_grid_command(micro_data, tmp_path):
    net = tmp_path / "net.h5"
    trained = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(net), "--preset", "micro",
                                        "--max-iter", "3", "--device", "cpu", "--quiet"])
    assert trained.exit_code == 0, trained.output
    folder = tmp_path / "net.run"
    for path in (folder / "result.json", folder / "checkpoint.h5", net):
        path.unlink()
    said = run_networks.checkpoint_missing(folder)
    assert said.startswith("it trained to its end (its logs record iteration 3, its last)") and "`" not in said, said


def test_a_finished_run_whose_weights_file_alone_is_gone_is_said_to_have_it_written_again(grid, micro_data):
    """Its checkpoint at its end and its result.json kept: its train writes the weights file again from the
    checkpoint, training nothing. The rerun said nothing of it (its dry run: "resume at iteration 4", its last)."""
    weights = grid / "random0" / "A1B.h5"
    weights.unlink()
    run = types.SimpleNamespace(name="random0/A1B")
    assert grid_status.weights_written_again(grid, run)
    assert not grid_status.weights_written_again(grid, types.SimpleNamespace(name="random0/B1B"))  # its file there
    rerun = CliRunner().invoke(main, _command(micro_data, grid))
    assert rerun.exit_code == 0, rerun.output
    assert ("weights file written again from its checkpoint: random0/A1B, finished, whose weights file is gone"
            in rerun.output), rerun.output
    assert checkpoints.load(weights).meta["iteration"] == 4


def test_a_base_whose_files_are_gone_is_said_to_be_refused_while_its_transfers_are_there(grid):
    """Its grid, rerun, refuses to train again a base that a transfer there copied (another network): info's
    command says so, rather than promise that it trains it."""
    folder = _files_gone(grid, "baseA")
    info = CliRunner().invoke(main, ["info", str(folder)])
    assert "(which refuses it while the runs that copied it, random0/A1B, are there" in info.output, info.output
    pasted = shlex.split(info.output.split("rerun its grid: `")[1].split("`")[0])
    refused = CliRunner().invoke(main, pasted[1:])
    assert refused.exit_code == 2 and "random0/A1B" in refused.output, refused.output


def test_a_finished_run_whose_config_json_is_gone_too_is_told_by_its_train_log(grid, tmp_path):
    """No config.json to say its last iteration: its train.log's last line, its train's result ("done: final
    top-1 ..."), says it finished; it was said to have stopped before its first checkpoint."""
    folder = _files_gone(grid)
    (folder / "config.json").unlink()
    assert (folder / "train.log").read_text().splitlines()[-1].startswith("done: ")  # the oracle: as its train said
    said = "it trained to its end (its train.log ends on its result), but its result.json, network A1B.h5 and " \
           "checkpoint.h5 are not there"
    report = CliRunner().invoke(main, ["report", str(grid), "-o", str(tmp_path / "report")])
    assert said in report.output and "before its first checkpoint" not in report.output, report.output
    info = CliRunner().invoke(main, ["info", str(folder)])
    assert info.exit_code == 2 and said in info.output, info.output


def _report(grid, tmp_path):
    report = CliRunner().invoke(main, ["report", str(grid), "-o", str(tmp_path / "report")])
    return report.output


def _info_error(path):
    info = CliRunner().invoke(main, ["info", str(path)])
    assert info.exit_code == 2, info.output
    return info.output.split("Invalid value for 'CHECKPOINT': ", 1)[1]


def test_report_gives_the_grid_command_once_for_runs_whose_files_are_gone(grid, tmp_path):
    for name in ("A1B", "B1B"):
        _files_gone(grid, name)
    output = _report(grid, tmp_path)
    assert GONE.format("A1B") in output and GONE.format("B1B") in output, output
    assert output.count("minitransfer experiment ") == 1, output  # the finish line's alone
    assert output.count("to finish them, run: minitransfer experiment ") == 1, output


def test_report_says_a_gone_base_is_refused_while_its_transfers_are_there_without_the_command(grid, tmp_path):
    _files_gone(grid, "baseA")
    output = _report(grid, tmp_path)
    assert ("its grid's rerun refuses to train it again while the runs that copied it, random0/A1B, are there"
            in output), output
    assert output.count("minitransfer experiment ") == 1, output


def test_info_gives_one_remedy_and_says_the_same_of_the_weights_file_as_of_its_run_folder(grid):
    folder = _files_gone(grid)
    said = _info_error(folder)
    assert GONE.format("A1B") in said and "rerun its grid: `minitransfer experiment " in said, said
    assert "--overwrite" not in said, said  # its train command with --overwrite was said after the grid's
    assert _info_error(grid / "random0" / "A1B.h5") == said  # it was click's "Path ... does not exist"


def _killed_for_memory(grid, ending):
    """A1B killed at iteration 1, before its first checkpoint, its train.log ending on ``ending``'s lines."""
    folder = _files_gone(grid)
    eval_csv = folder / "eval.csv"
    eval_csv.write_text(eval_csv.read_text().splitlines()[0] + "\n")
    (folder / "metrics.jsonl").write_text("")
    (folder / "train.log").write_text("$ minitransfer train ...\niteration 1/4 loss 0.6931\n" + "".join(
        line + "\n" for line in ending))
    return folder


def test_a_run_killed_for_its_memory_limit_is_said_so_by_report_the_dry_run_and_info(grid, micro_data, tmp_path):
    folder = _killed_for_memory(grid, [OOM, "srun: error: vm: task 0: Out Of Memory"])
    killed = f'SLURM killed its training for using more memory than its job may ("{OOM}")'
    output = _report(grid, tmp_path)
    assert f"random0/A1B: out of memory: {killed}; ask for more memory per task" in output, output
    assert "before its first checkpoint" not in output and "--mem=<more>" in output, output
    dry = CliRunner().invoke(main, _command(micro_data, grid, "--dry-run"))
    line = next(line for line in dry.stdout.splitlines() if "] random0/A1B" in line)
    assert killed in line and "--mem=<more>" in line, line
    said = _info_error(folder)
    assert killed in said and "--mem=<more>" in said, said
    assert _info_error(grid / "random0" / "A1B.h5") == said


def test_a_run_killed_for_its_memory_limit_after_a_checkpoint_is_said_so_by_info_of_its_weights_file(grid):
    """Its checkpoint kept: `info A1B.h5` said its run "stopped before its end" alone."""
    folder = grid / "random0" / "A1B.run"
    for path in (folder / "result.json", grid / "random0" / "A1B.h5"):
        path.unlink()
    with open(folder / "train.log", "a") as log:
        log.write(f"{OVER_LIMIT}\nsrun: error: node7: task 0: Killed\n")
    said = _info_error(grid / "random0" / "A1B.h5")
    assert (f'stopped before its end (out of memory: SLURM killed its training for using more memory than its job '
            f'may ("{OVER_LIMIT}"); ask for more memory per task') in said, said


def test_an_earlier_start_killed_for_memory_is_not_said_of_the_last(grid, tmp_path):
    """Its memory kill followed by a later start's train lines: that start did not end so."""
    _killed_for_memory(grid, [OVER_LIMIT, "srun: error: node7: task 0: Killed", "$ minitransfer train ...",
                              "iteration 1/4 loss 0.6931"])
    output = _report(grid, tmp_path)
    assert "out of memory" not in output and "random0/A1B (stopped before its first checkpoint)" in output, output


def test_the_lines_a_slurm_task_greps_for_are_those_report_reads(tmp_path):
    """The task's bash (grep -E -i) and report share one pattern: slurmstepd's lines of either kind and srun's."""
    log = tmp_path / "train.log"
    for line, killed in ((OOM, True), (OVER_LIMIT, True), ("srun: error: node7: task 0: Out Of Memory", True),
                         ("srun: error: node7: task 0: Killed", False)):
        log.write_text(f"iteration 1/4 loss 0.6931\n{line}\n")
        assert memory_kills.memory_line(log) == (line if killed else None)
        grep = subprocess.run(["grep", "-E", "-i", "-q", memory_kills.PATTERN, str(log)])
        assert grep.returncode == (0 if killed else 1), line
    task = "\n".join(slurm_task_failure.failure_lines())  # the task's bash greps the one pattern
    assert f"grep -E -i -m 1 {shlex.quote(memory_kills.PATTERN)}" in task, task
