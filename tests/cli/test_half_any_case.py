"""`splits --half a` was refused as not one of 'A', 'B': a half is taken in either case, as its upper-case
name, which the library compares."""

import json

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import splits as split_lib


def test_a_half_is_taken_in_lower_case_as_its_upper_case_name(tiny_data):
    for half in split_lib.HALVES:
        upper, lower = (CliRunner().invoke(main, ["splits", str(tiny_data), "random", "--half", typed, "--format",
                                                  "json"]) for typed in (half, half.lower()))
        assert upper.exit_code == lower.exit_code == 0, lower.output
        assert lower.output == upper.output and f'"half": "{half}"' in lower.output, lower.output
    refused = CliRunner().invoke(main, ["splits", str(tiny_data), "random", "--half", "c"])
    said = refused.output.splitlines()[-1]
    assert refused.exit_code == 2 and said == "Error: Invalid value for '--half': 'c' is not a half: give A or B", said
    assert "--half [A|B]" in CliRunner().invoke(main, ["splits", "--help"]).output


def test_train_takes_a_half_in_lower_case_and_records_its_upper_case_name(micro_data, tmp_path):
    out = tmp_path / "baseB.h5"
    result = CliRunner().invoke(main, ["train", "--data", str(micro_data), "--preset", "micro", "--half", "b",
                                       "--max-iter", "2", "--eval-every", "2", "--batch-size", "4", "--device", "cpu",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    recorded = json.loads((tmp_path / "baseB.run" / "config.json").read_text())
    assert recorded["half"] == "B", recorded
