"""A grid's run that trained to its end, whose result.json, weights file and checkpoint.h5 were all deleted since:
report, info and a resume said it "stopped before its first checkpoint", and the dry run "[todo]" alone, though its
logs record its last iteration. Each now says that it trained to its end and its files are gone (one rule:
run_networks.files_gone), with the command that trains it again (info, a resume), which does."""

import shlex
import shutil
import types

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import grid_status, run_networks
from minitransfer.cli import main


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
