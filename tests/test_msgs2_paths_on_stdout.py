"""A path given with a control character (a folder named with a newline) is shown escaped on stdout too, as on
stderr (:func:`minitransfer.cli._output.echo`): experiment's lines broke across two for such a folder, the second
reading as a line of its own, and a command to copy named it in single quotes, where bash reads no escape. Data for
programs (``info --json``) stays byte for byte what it was: valid JSON holding the real name."""

import json
import subprocess

from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


def test_experiment_dry_run_names_a_folder_with_a_newline_on_one_line_and_copyably(micro_data, tmp_path):
    out = tmp_path / "new\nline"
    result = CliRunner().invoke(main, ["experiment", "--dry-run", "--data", micro_data, "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"30 runs in {tmp_path}/new\\nline ("), lines[0]
    assert not [line for line in lines if line.startswith("line")], lines
    [command] = [line for line in lines if "--half A" in line and "--out" in line and "random0/baseA.h5" in line]
    quoted = command.split("--out ")[1].split(" ")[0]
    assert quoted == f"$'{tmp_path}/new\\nline/random0/baseA.h5'", command
    said = subprocess.run(["bash", "-c", f"printf %s {quoted}"], capture_output=True, text=True, timeout=60).stdout
    assert said == str(out / "random0" / "baseA.h5")  # what bash reads: the real path, newline and all


def test_info_json_of_a_network_in_such_a_folder_is_valid_json_with_the_real_name(micro_data, tmp_path):
    folder = tmp_path / "new\nline\tand\x7fmore"
    folder.mkdir()
    network = folder / "net.h5"
    training.train(config.TrainConfig(out=str(network), data=micro_data, split="all", **FAST))
    result = CliRunner().invoke(main, ["info", str(network), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert result.stdout == json.dumps(summary, indent=2) + "\n"  # as json_text wrote it, nothing unescaped
    assert str(network) in [value for value in summary.values() if isinstance(value, str)], summary
