"""Commands that named the wrong place, run as printed, pasted into a new shell (`pasted.paste`): info's "made again by"
of a run in a grid folder copied (`cp -r grid grid4`) named the folder it first trained in, its weights and base
there, which a paste trained there again or was refused for once that folder was moved away; eval's `train --resume
RUN` of a stopped run's weights file named neither `minitransfer` nor the words a new shell needs to know a preset of
one's own. (report's `train --resume` of a checkpoint copied alone, refused as printed:
test_own_preset_advice_pasted.)"""

import re
import shutil

from click.testing import CliRunner
from pasted import paste, ran

from minitransfer.cli import main
from test_own_preset_commands_pasted import stopped_run

GRID = ["--preset", "micro", "--layers", "1", "--no-fine-tuned", "--max-iter", "4", "--batch-size", "4",
        "--eval-every", "2", "--device", "cpu"]


def _network_sha256(path):
    said = CliRunner().invoke(main, ["info", str(path)])
    assert said.exit_code == 0, said.output
    return re.search(r"^network sha256 (\w+)", said.output, re.M).group(1)


def test_made_again_by_of_a_run_in_a_copied_grid_folder_trains_it_where_it_is_now(micro_data, tmp_path):
    trained = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "g"), *GRID])
    assert trained.exit_code == 0, trained.output
    shutil.copytree(tmp_path / "g", tmp_path / "g4")
    shutil.copytree(tmp_path / "g4", tmp_path / "g8")
    shutil.move(tmp_path / "g", tmp_path / "moved")  # the folder it first trained in, moved away
    runs = tmp_path / "g8" / "random0"
    said = CliRunner().invoke(main, ["info", str(runs / "A1B.run")])
    assert said.exit_code == 0, said.output
    made = re.search(r"^made again by: (.+)$", said.output, re.M).group(1)
    digest = _network_sha256(runs / "A1B.h5")
    (runs / "A1B.h5").unlink()  # made again, here
    shutil.rmtree(runs / "A1B.run")
    command, done = paste(f"`{made}`", tmp_path)
    ran(command, done)
    assert (runs / "A1B.run" / "result.json").is_file(), command  # the oracle: trained where the run is now
    assert _network_sha256(runs / "A1B.h5") == digest  # the same network, from the grid's own base
    assert not (tmp_path / "g").exists()  # not into the folder it first trained in


def test_the_resume_eval_names_for_a_stopped_runs_weights_file_runs_in_a_new_shell(micro_data, tmp_path,
                                                                                     monkeypatch):
    folder = stopped_run(micro_data, tmp_path, monkeypatch)
    said = CliRunner().invoke(main, ["eval", "net.h5"])
    assert said.exit_code == 2 and "is not written yet" in said.output, said.output
    words = " ".join(said.output.split())
    assert re.search(r"`[^`]+` goes on", words), words
    ran(*paste(words, tmp_path))
    assert (folder / "result.json").is_file()  # the oracle: the run finished
