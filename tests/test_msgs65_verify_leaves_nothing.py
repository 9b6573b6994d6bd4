"""``prepare verify`` of a folder that holds no dataset (an empty one, a mistyped name made by hand) took the
dataset's reader lock before reading meta.json, and so left a ``lock`` file in that folder on its way to the
error: a read-only check wrote into a folder of the user's. Now refused in the same words, the folder as it was."""

from click.testing import CliRunner

from minitransfer.cli import main


def test_verify_of_an_empty_folder_leaves_it_empty(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["prepare", "verify", str(tmp_path / "empty")], terminal_width=2000)
    assert result.exit_code == 65, result.output
    assert f"{tmp_path / 'empty' / 'meta.json'}: missing (not a prepared dataset" in result.output, result.output
    assert list((tmp_path / "empty").iterdir()) == []


def test_verify_of_a_dataset_still_verifies(micro_data):
    result = CliRunner().invoke(main, ["prepare", "verify", micro_data])
    assert result.exit_code == 0, result.output
    assert "(verified)" in result.output
