"""A grid's faults as a researcher meets them, told with the grid's one advice to go on
(:func:`minitransfer.config_wording.finish_by_rerun`, and SAME_CALL/SAME_COMMAND): a run folder removed while
its run trained, said "rerun the grid" (neither the library's words nor the command line's); a finished run's
folder removed while the grid trained the others, said nowhere ("2 trained, 0 failed", and report said it failed)."""

import sys
import textwrap

from minitransfer import config_wording
from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer.cli._errors import option_text
from test_experiment import FAKE_TRAIN

OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}


def _deleting_train(tmp_path):
    deleting = tmp_path / "deleting_train.py"  # its run folder removed under it (rm -r OUT/random0/baseA.run)
    deleting.write_text(textwrap.dedent('''
        import pathlib, shutil, sys
        weights = pathlib.Path(sys.argv[sys.argv.index("--out") + 1])
        shutil.rmtree(weights.with_name(weights.stem + ".run"))
        sys.exit(74)
    '''))
    return [sys.executable, str(deleting)]


def test_a_run_folder_removed_is_told_in_the_command_lines_words(tmp_path):
    lines, out = [], tmp_path / "grid"
    with config_wording.fields_worded_by(option_text):  # as the command line runs it
        scheduler.run_grid(grid.plan_grid(layers=(1,))[:1], out, OPTIONS, train_command=_deleting_train(tmp_path),
                           log=lines.append, poll_seconds=0.01)
    failed = [line for line in lines if line.startswith("FAILED random0/baseA")]
    assert failed == [f"FAILED random0/baseA (exit 74); {out / 'random0' / 'baseA.run'} was deleted while it "
                      f"trained, and its output (train.log) with it; rerun the same command to train it from the "
                      f"start"], lines


def test_the_advice_to_go_on_is_one_wording(tmp_path):
    library = config_wording.finish_by_rerun()
    assert library == ("repeat the same call to finish the grid: it keeps the runs finished and resumes those "
                       "stopped from their checkpoints")
    assert config_wording.as_commands(library) == config_wording.finish_by_rerun(rerun="rerun the same command")


def test_a_finished_runs_folder_removed_while_the_grid_ran_is_said(tmp_path):
    fake = tmp_path / "fake_train.py"
    fake.write_text(FAKE_TRAIN)
    removing = tmp_path / "removing_train.py"  # baseB's train starts once baseA has finished: rm -r baseA.run then
    removing.write_text(textwrap.dedent(f'''
        import os, pathlib, shutil, sys
        weights = pathlib.Path(sys.argv[sys.argv.index("--out") + 1])
        if weights.stem == "baseB":
            shutil.rmtree(weights.with_name("baseA.run"))
        os.execv(sys.executable, [sys.executable, {str(fake)!r}, *sys.argv[1:]])
    '''))
    lines, out = [], tmp_path / "grid"
    outcome = scheduler.run_grid(grid.plan_grid(layers=(1,))[:2], out, OPTIONS,
                                 train_command=[sys.executable, str(removing)], log=lines.append, poll_seconds=0.01)
    assert outcome.finished == ["random0/baseA", "random0/baseB"], lines
    assert not (out / "random0" / "baseA.run").exists() and (out / "random0" / "baseB.run" / "result.json").exists()
    notes = [line for line in lines if "went since" in line]
    assert notes == [f"note: random0/baseA finished, but its run folder ({out / 'random0' / 'baseA.run'}) went "
                     f"since, removed or moved while the grid ran, its result.json with it: report leaves it out; if "
                     f"moved, put it back to report it"], lines
