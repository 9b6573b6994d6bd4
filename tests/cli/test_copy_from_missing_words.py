"""`train --copy-from nope.h5` said "error: --copy-from 'nope.h5' does not exist", where every other
missing path gets click's "Error: Invalid value for ...: Path ... does not exist." (exit 2 both)."""

from click.testing import CliRunner

from minitransfer.cli import main


def test_a_missing_base_is_said_as_a_missing_data_folder_is(micro_data, tmp_path):
    said = {}
    for option, path in (("--copy-from", "nope.h5"), ("--data", "nope-data")):
        arguments = ["--data", micro_data, "--copy-from", path, "--n", "1"] if option == "--copy-from" else \
            ["--data", path]
        result = CliRunner().invoke(main, ["train", "-o", str(tmp_path / "t.h5"), *arguments])
        assert result.exit_code == 2, result.output
        said[option] = result.output.replace(option, "OPTION").replace(path, "PATH")
    assert said["--copy-from"] == said["--data"]
    assert "Error: Invalid value for 'OPTION': Path 'PATH' does not exist." in said["--data"]
