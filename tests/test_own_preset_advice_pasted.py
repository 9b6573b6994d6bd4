"""The commands other messages give for a network of a preset of one's own (docs/presets.md) run pasted into a new
shell, as info's do (test_own_preset_commands_pasted): train's eval of a finished run whose result.json is gone,
report's resume of a checkpoint copied alone and of a base not finished, eval's advice for a network refused on other
classes and its info of a network whose dataset is gone or whose result is damaged, a grid's and submit.sh's eval of
a run whose result is lost. They were printed bare (`minitransfer train --resume ...`), without the
``MINITRANSFER_PRESET_SOURCES=...`` a new shell needs, which refused them: exit 65, preset 'own' not known."""

import re
import shlex
import shutil
import subprocess
import types

import pytest
from click.testing import CliRunner
from pasted import paste, ran

from minitransfer import checkpoint as checkpoints
from minitransfer import class_advice, grid_status, missing_bases, models, slurm_finished
from minitransfer.cli import main
from minitransfer.comparisons import Result
from minitransfer.experiment import Run
from test_drift_dry_run_preset import new_shell_env
from test_own_preset_commands_pasted import resumed_auto, stopped_run


def test_the_eval_train_names_for_a_finished_run_whose_result_json_is_gone_runs_in_a_new_shell(
        micro_data, tmp_path, monkeypatch):
    folder = stopped_run(micro_data, tmp_path, monkeypatch)
    command = resumed_auto(micro_data)
    resumed = CliRunner().invoke(main, command)
    assert resumed.exit_code == 0, resumed.output
    (folder / "result.json").unlink()  # deleted, its checkpoint too: resume.py's own refusal, not a damaged one
    (folder / "checkpoint.h5").unlink()
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code == 65 and "is not there" in refused.output, refused.output
    pasted, done = paste(refused.output[refused.output.index("keep "):], tmp_path)
    assert pasted.endswith("minitransfer eval net.h5"), refused.output
    assert "top-1" in ran(pasted, done).stdout, done.stdout


def test_the_resume_report_names_for_a_checkpoint_copied_alone_runs_in_a_new_shell(micro_data, tmp_path, monkeypatch):
    folder = stopped_run(micro_data, tmp_path, monkeypatch)
    (tmp_path / "runs").mkdir()
    shutil.move(folder / "checkpoint.h5", tmp_path / "runs" / "checkpoint.h5")  # copied alone, its folder gone
    shutil.rmtree(folder)
    said = CliRunner().invoke(main, ["report", "runs", "-o", "report"])
    assert said.exit_code == 2, said.output  # no run there, as for a weights file alone
    words = " ".join(said.output.split())
    assert "is a checkpoint of net.h5" in words, words
    command = re.search(r"to finish it, `([^`]+)` continues it \(with the options it was trained with\)", words)
    assert command, words
    ran(*paste(f"`{command.group(1)}`", tmp_path))  # as printed: bare, it was refused (it needs every option)
    assert (folder / "result.json").is_file()  # the oracle: the run finished


def test_the_resume_report_names_for_a_base_not_finished_runs_in_a_new_shell(micro_data, tmp_path, monkeypatch):
    folder = stopped_run(micro_data, tmp_path, monkeypatch, "baseB")
    transfer = Result(Run("A3B", "transfer", "random", 0, target="B", source="A", n=3), 0.5, 0.5, 0.5, 2,
                      preset="own")
    [said] = missing_bases.without_base([transfer], unfinished={"baseB": "resumable at iteration 2"},
                                        runs_dir=tmp_path)
    command = re.search(r"resume it to its end \((.+)\)$", said).group(1)
    ran(*paste(f"`{command}`", tmp_path))
    assert (folder / "result.json").is_file()  # the oracle: the base finished


@pytest.fixture
def own_network(micro_data, tmp_path, monkeypatch):
    """The checkpoint of a run of preset "own" stopped at iteration 2 of 4, read
    (:func:`~test_own_preset_commands_pasted.stopped_run`)."""
    return checkpoints.load(stopped_run(micro_data, tmp_path, monkeypatch) / "checkpoint.h5")


def test_the_commands_eval_advises_for_a_network_on_other_classes_run_in_a_new_shell(
        own_network, micro_data, tmp_path):
    advice = class_advice.transfer_of(own_network, types.SimpleNamespace(path=micro_data))
    finish = re.search(r"finish it first, (.+), then copy its finished weights: (.+)\)$", advice)
    assert finish, advice
    ran(*paste(f"`{finish.group(1)}`", tmp_path))
    assert (tmp_path / "net.run" / "result.json").is_file()  # the oracle: the run finished
    copy = finish.group(2).replace("--n N", "--n 1") + " -o copy.h5 --max-iter 2 --batch-size 4 --device cpu"
    ran(*paste(f"`{copy}`", tmp_path))
    assert (tmp_path / "copy.run" / "result.json").is_file()  # the transfer trained


def test_the_eval_a_grid_names_for_a_run_whose_result_is_lost_runs_in_a_new_shell(micro_data, tmp_path, monkeypatch):
    folder = stopped_run(micro_data, tmp_path, monkeypatch)
    ran(*paste(f"`{models.sources_words('own')}minitransfer train --resume net.run`", tmp_path))
    (folder / "result.json").unlink()  # its result and checkpoint lost, as a grid finds them
    (folder / "checkpoint.h5").unlink()
    said = grid_status.result_lost(tmp_path, Run("net", "base", "all", 0))
    pasted, done = paste(said[said.index("keep "):], tmp_path)
    assert pasted.endswith(f"minitransfer eval {tmp_path / 'net.h5'}"), said
    assert "top-1" in ran(pasted, done).stdout, done.stdout


def test_the_eval_submit_sh_names_for_a_run_whose_result_is_lost_runs_in_a_new_shell(micro_data, tmp_path, monkeypatch):
    folder = stopped_run(micro_data, tmp_path, monkeypatch)
    ran(*paste(f"`{models.sources_words('own')}minitransfer train --resume net.run`", tmp_path))
    lines = [f"out={shlex.quote(str(tmp_path))}", "base_runs=(net)", "transfer_runs=()",
             "declare -A missing_results=([net]=1)", "lost() { true; }", 'noun() { echo "$2"; }',
             *slurm_finished.lost_results_lines("own")]  # written for a grid of "own"
    submit = subprocess.run(["bash", "-c", "\n".join(lines)], capture_output=True, text=True, env=new_shell_env())
    said = [line for line in submit.stderr.splitlines() if "keep " in line]
    assert len(said) == 1 and folder.is_dir(), submit.stderr  # its lines run in a shell without the variable
    pasted, done = paste(said[0], tmp_path)
    assert pasted.endswith(f"minitransfer eval {tmp_path / 'net.h5'}"), said
    assert "top-1" in ran(pasted, done).stdout, done.stdout


def test_the_info_eval_names_for_a_network_whose_dataset_is_gone_runs_in_a_new_shell(micro_data, tmp_path,
                                                                                    monkeypatch):
    data = shutil.copytree(micro_data, tmp_path / "mydata")
    stopped_run(str(data), tmp_path, monkeypatch)
    shutil.rmtree(data)  # moved away since
    refused = CliRunner().invoke(main, ["eval", "net.run/checkpoint.h5"])
    assert refused.exit_code == 2 and "which is not there any more" in refused.output, refused.output
    pasted, done = paste(refused.output[refused.output.index("prepare it again"):], tmp_path)
    assert pasted.endswith("minitransfer info net.run/checkpoint.h5"), refused.output
    assert f"\ndata {data} " in ran(pasted, done).stdout, done.stdout  # the dataset it names, to prepare again


def test_the_info_eval_names_for_a_network_whose_result_is_damaged_runs_in_a_new_shell(micro_data, tmp_path,
                                                                                      monkeypatch):
    folder = stopped_run(micro_data, tmp_path, monkeypatch)
    ran(*paste(f"`{models.sources_words('own')}minitransfer train --resume net.run`", tmp_path))
    (folder / "result.json").write_text("not a result")
    scored = CliRunner().invoke(main, ["eval", "net.h5"])
    assert scored.exit_code == 0 and "so report leaves the run of net.h5 out" in scored.output, scored.output
    pasted, done = paste(scored.output[scored.output.index("so report leaves"):], tmp_path)
    assert pasted.endswith("minitransfer info net.h5"), scored.output
    said = f"{pasted}\n{done.stdout}{done.stderr}"  # exit 65 (the result.json is bad data), saying how to write it
    assert done.returncode == 65 and "result net.run/result.json cannot be read" in done.stdout, said
    assert "write it again with `" in done.stdout, said
