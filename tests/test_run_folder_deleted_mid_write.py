"""A run folder deleted by hand between a run's check that it is in place and its next write: the write
made the folders anew (``atomic_path`` made missing parents), so ``train -o od/sub/w.h5`` stopped with
"moved or deleted" (exit 74) after leaving od/sub/w.run/checkpoint.h5 alone, which ``info`` then called
resumable and whose resume was refused (exit 65). Each window is opened here by hand, deterministically:
the deletion happens inside the write, after the check passed."""

import errno
import json
import os
import pathlib
import shutil

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint_info, config, fileio, run_files, training_run
from minitransfer.cli import main

OPTIONS = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--checkpoint-every", "2", "--quiet",
           "--device", "cpu"]
FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "checkpoint_every": 2, "quiet": True, "device": "cpu"}


def _gone(folder):
    return (f"error: {folder} was moved or deleted while the run wrote to it; stopped rather than start a second, "
            f"partial run folder there")


def _train(micro_data, out):
    return CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS])


def test_a_folder_deleted_just_before_a_checkpoint_is_not_made_anew_holding_it(micro_data, tmp_path, monkeypatch):
    out, sub = tmp_path / "od" / "sub" / "w.h5", tmp_path / "od" / "sub"
    synced = run_files.RunFiles.sync_logs

    def deleted_then_synced(files):  # inside the save, after its check_in_place
        shutil.rmtree(sub, ignore_errors=True)
        return synced(files)

    monkeypatch.setattr(run_files.RunFiles, "sync_logs", deleted_then_synced)
    result = _train(micro_data, out)
    assert result.exit_code == 74, result.output
    assert result.output.startswith(_gone(out.with_suffix(".run"))), result.output
    assert not sub.exists(), sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*"))


def test_a_folder_deleted_just_before_the_weights_is_not_made_anew_holding_them(micro_data, tmp_path, monkeypatch):
    out, sub = tmp_path / "od" / "sub" / "w.h5", tmp_path / "od" / "sub"
    snapshot, weights = training_run.snapshot, []

    def deleted_then_snapshot(net, plan, done, cursor):  # the last of them is the weights', after its check
        weights.append(done == plan.config.max_iter)
        if weights.count(True) == 2:  # the last checkpoint's, then the weights'
            shutil.rmtree(sub)
        return snapshot(net, plan, done, cursor)

    monkeypatch.setattr(training_run, "snapshot", deleted_then_snapshot)
    result = _train(micro_data, out)
    assert weights.count(True) == 2, weights
    assert result.exit_code == 74, result.output
    assert result.output.startswith(_gone(out.with_suffix(".run"))), result.output
    assert not sub.exists(), sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*"))


@pytest.mark.parametrize("write", ["config", "result"])
def test_a_run_file_written_whole_into_a_deleted_folder_makes_no_folder(tmp_path, monkeypatch, write):
    files = run_files.RunFiles(tmp_path / "net.run", 0, fresh=True)
    written = fileio.write_text

    def deleted_then_written(path, *args, **kwargs):
        shutil.rmtree(tmp_path / "net.run", ignore_errors=True)
        return written(path, *args, **kwargs)

    monkeypatch.setattr(fileio, "write_text", deleted_then_written)
    with pytest.raises(run_files.RunFolderChanged, match="net.run was moved or deleted while the run wrote to it"):
        files.write_json(files.config if write == "config" else files.result, {"iteration": 4})
    assert not (tmp_path / "net.run").exists()


@pytest.mark.parametrize("log", ["eval_csv", "metrics"])
def test_a_log_removed_just_before_an_append_is_not_made_anew_without_its_rows(tmp_path, monkeypatch, log):
    files = run_files.RunFiles(tmp_path / "net.run", 0, fresh=True)
    files.add_eval(2, {"top1": 0.5, "top5": 1.0, "loss": 1.0})  # both logs written by the run
    path = files.at(getattr(files, log))
    appended = fileio.append_text

    def removed_then_appended(target, *args, **kwargs):
        if pathlib.Path(target) == path:
            path.unlink(missing_ok=True)
        return appended(target, *args, **kwargs)

    monkeypatch.setattr(fileio, "append_text", removed_then_appended)
    named = {"eval_csv": "eval.csv", "metrics": "metrics.jsonl"}[log]
    with pytest.raises(run_files.RunFolderChanged, match=f"net.run/{named} was removed while the run wrote to it"):
        if log == "eval_csv":
            files.add_eval(4, {"top1": 0.5, "top5": 1.0, "loss": 1.0})
        else:
            files.log({"iteration": 4, "loss": 1.0})
    assert not path.exists()


def _lone_checkpoint(micro_data, tmp_path, monkeypatch, eval_every):
    """net.run of a run stopped after iteration 2 of 4, every file but its checkpoint.h5 removed."""
    monkeypatch.chdir(tmp_path)
    interrupted_after(config.TrainConfig(out="net.h5", data=micro_data, split="all", eval_every=eval_every, **FAST), 2)
    for path in pathlib.Path("net.run").iterdir():
        if path.name != "checkpoint.h5":
            path.unlink()
    return pathlib.Path("net.run")


def test_info_does_not_call_a_lone_checkpoint_resumable_where_the_resume_refuses_it(micro_data, tmp_path,
                                                                                    monkeypatch):
    run = _lone_checkpoint(micro_data, tmp_path, monkeypatch, eval_every=1)  # evaluated at 1 and 2: 1 is lost
    summary = checkpoint_info.describe(run / "checkpoint.h5")
    shown = CliRunner().invoke(main, ["info", str(run)])
    resumed = CliRunner().invoke(main, ["train", "--resume", str(run), "--device", "cpu"])
    assert resumed.exit_code == 65 and "lacks the evaluations at iteration 1," in resumed.output, resumed.output
    assert not summary["resumable"] and "lacks the evaluations at iteration 1," in summary["resume_refused"], summary
    said = summary["resume_refused"].replace("`overwrite=True`", "--overwrite")  # as the command line says it
    assert shown.exit_code == 0 and f"iteration 2 (not resumable: {said})\n" in shown.output, shown.output
    json.dumps(summary)  # info --json shows it


def test_info_calls_a_lone_checkpoint_resumable_where_the_resume_takes_it(micro_data, tmp_path, monkeypatch):
    run = _lone_checkpoint(micro_data, tmp_path, monkeypatch, eval_every=4)  # nothing evaluated before it
    summary = checkpoint_info.describe(run / "checkpoint.h5")
    assert summary["resumable"] and summary["resume_refused"] is None, summary
    resumed = CliRunner().invoke(main, ["train", "--resume", str(run), "--device", "cpu"])
    assert resumed.exit_code == 0 and "resuming" in resumed.output, resumed.output


def test_info_shows_a_checkpoint_whose_eval_csv_cannot_be_read_not_resumable(micro_data, tmp_path, monkeypatch):
    """Its eval.csv a folder: info read it and exited 74 showing nothing (it showed the network before it read
    eval.csv); the resume fails on it too, so that is why it is not resumable."""
    run = _lone_checkpoint(micro_data, tmp_path, monkeypatch, eval_every=4)
    (run / "eval.csv").mkdir()
    summary = checkpoint_info.describe(run / "checkpoint.h5")
    shown = CliRunner().invoke(main, ["info", str(run)])
    resumed = CliRunner().invoke(main, ["train", "--resume", str(run), "--device", "cpu"])
    assert resumed.exit_code == 65 and "net.run/eval.csv: not a file (a folder)" in resumed.output, resumed.output
    reason = f"cannot read {tmp_path.resolve() / run / 'eval.csv'}: {os.strerror(errno.EISDIR)}"
    assert not summary["resumable"] and summary["resume_refused"] == reason, summary
    assert shown.exit_code == 0 and f"iteration 2 (not resumable: {reason})\n" in shown.output, shown.output
