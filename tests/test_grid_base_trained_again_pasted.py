"""A grid refusing a transfer whose base is being trained again names the resume command with the words a new shell
needs for the grid's own preset (own_presets.pasted), as report and submit.sh name it: it was printed bare (pasted,
exit 65: preset not known)."""

from minitransfer import grid_check, own_presets
from minitransfer.experiment import CHECKPOINT_FILE, Run, run_dir, weights_path


def test_the_grids_resume_command_for_a_base_trained_again_names_the_preset(tmp_path, monkeypatch):
    monkeypatch.setattr(own_presets, "sources_words", lambda preset: f"SOURCES_OF_{preset} ")
    run = Run("random0/A3B", "transfer", "random", 0, target="B", source="A", n=3, parent="random0/baseA")
    folder = run_dir(tmp_path, run.base)
    folder.mkdir(parents=True)
    (folder / CHECKPOINT_FILE).write_bytes(b"stopped")  # stopped as trained again: a checkpoint, no result.json
    said = grid_check._base_gone(tmp_path, run, weights_path(tmp_path, run.parent), [run], "own")
    assert f"SOURCES_OF_own minitransfer train --resume {folder}" in said, said
