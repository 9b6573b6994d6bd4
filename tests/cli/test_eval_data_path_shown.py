"""eval named its dataset as typed with --data (`--data ./micro/`, a link too) but as the recorded absolute path
without it, on its line and in --json's "data": one network, one dataset, two names. Now the absolute path, links
resolved, as train records it, either way (a pasted command needs it; eval --help says so)."""

import json
import os

from click.testing import CliRunner

from minitransfer.cli import main


def test_eval_names_the_dataset_by_its_absolute_path_with_data_or_without(micro_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.symlink(micro_data, tmp_path / "micro")
    trained = CliRunner().invoke(main, ["train", "--data", "micro", "-o", "net.h5", "--max-iter", "1",
                                        "--device", "cpu", "--quiet"])
    assert trained.exit_code == 0, trained.output
    absolute = os.path.realpath(micro_data)  # the oracle: the folder the link lands in
    said = {}
    for given in ([], ["--data", "micro"], ["--data", "./micro/"]):
        line = CliRunner().invoke(main, ["eval", "net.h5", "--device", "cpu", *given])
        scores = CliRunner().invoke(main, ["eval", "net.h5", "--device", "cpu", "--json", *given])
        assert line.exit_code == 0 and scores.exit_code == 0, (line.output, scores.output)
        said[" ".join(given)] = (line.output.split(" (", 1)[0], json.loads(scores.output)["data"])
    assert set(said.values()) == {(f"net.h5 on val of {absolute}", absolute)}, said
    helped = " ".join(CliRunner().invoke(main, ["eval", "--help"]).output.split())
    assert "the data (the dataset's absolute path, links resolved, as train records it: --data's too" in helped
