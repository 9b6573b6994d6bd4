"""Paths whose names are not UTF-8 (an archive's Latin-1 folder, a weights file named so): Python
hands their bytes over as surrogate escapes, which a UTF-8 terminal refuses and a report's tables
cannot hold. Every command writes such a byte as ``\\xNN``, as skipped.txt does, instead of ending
in a traceback (``info`` and ``eval`` did on a UTF-8 terminal, ``report`` everywhere)."""

import json
import os
import shutil
import subprocess

import pytest

from minitransfer.experiment import default_train_command

MINITRANSFER = default_train_command()[:-1]
FAST = ["--max-iter", "2", "--eval-every", "1", "--batch-size", "8", "--device", "cpu"]
UTF8_TERMINAL = {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"}  # stdout refuses surrogate escapes


def command(args, cwd):
    environment = {**os.environ, **UTF8_TERMINAL}
    return subprocess.run([*MINITRANSFER, *args], cwd=cwd, capture_output=True, env=environment, timeout=300)


@pytest.mark.skipif(os.fsencode(os.fsdecode(b"\xff")) != b"\xff", reason="the file system encoding is not UTF-8")
def test_every_command_writes_a_name_that_is_not_utf8_as_xnn(micro_data, tmp_path):
    data, weights = os.fsdecode(b"data-\xff"), os.fsdecode(b"net-\xfe.h5")
    shutil.copytree(micro_data, tmp_path / data)
    steps = {"train": ["train", "--data", data, "-o", weights, *FAST], "info": ["info", weights],
             "eval": ["eval", weights, "--device", "cpu"], "report": ["report", ".", "-o", "summary"]}
    results = {name: command(args, tmp_path) for name, args in steps.items()}
    for name, result in results.items():
        said = result.stdout + result.stderr
        assert result.returncode == 0, (name, said)
        assert b"Traceback" not in said and b"\\udc" not in said, (name, said)
        assert b"net-\\xfe" in said, (name, said)
    assert b"data-\\xff" in results["eval"].stdout
    table = (tmp_path / "summary" / "results.csv").read_bytes().decode("utf-8")  # UTF-8, the name as \xNN
    assert "\nnet-\\xfe,baseA," in table


def strict_json(output):
    """``output`` (bytes) read as a strict reader reads JSON: UTF-8, no NaN or Infinity."""
    return json.loads(output.decode("utf-8"), parse_constant=lambda constant: pytest.fail(f"{constant} in {output}"))


@pytest.mark.skipif(os.fsencode(os.fsdecode(b"\xff")) != b"\xff", reason="the file system encoding is not UTF-8")
def test_json_outputs_write_a_name_that_is_not_utf8_as_xnn(micro_data, tmp_path):
    """train, info and eval --json wrote such a byte as a lone surrogate (\\udcfe), which jq reads as
    U+FFFD (two names alike) and strict parsers refuse; now as the text and results.csv say it."""
    data, weights = os.fsdecode(b"data-\xff"), os.fsdecode(b"net-\xfe.h5")
    shutil.copytree(micro_data, tmp_path / data)
    trained = command(["train", "--data", data, "-o", weights, *FAST, "--json"], tmp_path)
    info = command(["info", weights, "--json"], tmp_path)
    scores = command(["eval", weights, "--device", "cpu", "--json"], tmp_path)
    for result in (trained, info, scores):
        assert result.returncode == 0 and b"\\udc" not in result.stdout, result.stdout + result.stderr
    assert strict_json(trained.stdout)["out"] == strict_json(info.stdout)["path"] == "net-\\xfe.h5"
    assert strict_json(info.stdout)["config"]["data"] == str(tmp_path / "data-\\xff")
    assert strict_json(scores.stdout)["checkpoint"] == "net-\\xfe.h5"
    assert strict_json(scores.stdout)["data"] == str(tmp_path / "data-\\xff")
