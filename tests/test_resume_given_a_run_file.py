"""train --resume given a run's config.json (a file of the run folder, where the run folder or a checkpoint is
taken) said "not an HDF5 file (corrupt or not a checkpoint)", as a damaged checkpoint is (exit 65), naming nothing
to give: it is a wrong argument (exit 2) that names the run folder to give, and that run folder resumes."""

import shlex

from click.testing import CliRunner

from minitransfer.cli import main

TRAIN = "train --split all --preset micro --batch-size 8 --max-iter 4 --eval-every 2 --device cpu --quiet -o own.h5"


def test_a_run_folders_config_is_refused_naming_the_run_folder(micro_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, [*shlex.split(TRAIN), "--data", micro_data]).exit_code == 0
    (tmp_path / "notes.json").write_text('{"a": 1}')
    for given, named in (("own.run/config.json", "of the run folder own.run"), ("notes.json", "notes.json")):
        refused = CliRunner().invoke(main, ["train", "--resume", given, "-o", "own.h5"])
        said = " ".join(refused.output.split())
        assert refused.exit_code == 2, said
        assert f"{given} is a JSON file" in said and named in said and "not an HDF5 file" not in said, said
    said = " ".join(CliRunner().invoke(main, ["train", "--resume", "own.run/config.json", "-o", "own.h5"])
                    .output.split())
    assert "give the run folder (own.run)" in said, said
    resumed = CliRunner().invoke(main, ["train", "--resume", "own.run", "-o", "own.h5"])  # as told
    assert resumed.exit_code == 0, resumed.output
