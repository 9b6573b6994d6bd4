"""``info --json``'s fields that do not apply are null, and ``run`` is the network's run folder however
the network is named. A healthy network's ``diverged`` was "" while every other empty field was null (a
script testing ``is not None`` flagged every network); a finished run named by its folder or its
weights file had ``run`` null, its checkpoint's the folder (read for its result.json all the same)."""

import json
import os
import shutil

import pytest
from click.testing import CliRunner
from cli.test_info_paths import network  # noqa: F401 (a fixture: a finished micro run, shared/net.h5, net.run)
from test_info_result_file import run_copy  # noqa: F401 (a fixture: a copy of it in the working folder)

from minitransfer import rundir
from minitransfer.cli import main


def _info(*args):
    shown = CliRunner().invoke(main, ["info", *args])
    assert shown.exit_code == 0, shown.output
    return shown.output


GIVEN = ["net.run", "net.h5", "net.run/checkpoint.h5"]


@pytest.mark.parametrize("given", GIVEN)
def test_a_network_whose_run_did_not_diverge_has_diverged_null_as_every_empty_field(run_copy, given):
    assert rundir.divergence(run_copy / "net.run" / "metrics.jsonl") == ""  # the oracle: its run did not diverge
    summary = json.loads(_info(given, "--json"))
    empty = {key: summary[key] for key in ("diverged", "resume_refused", "unreadable", "left_out", "unwritten_result")}
    assert empty == dict.fromkeys(empty), empty


@pytest.mark.parametrize("given", GIVEN)
def test_run_is_the_run_folder_however_the_finished_network_is_named(run_copy, given):
    summary = json.loads(_info(given, "--json"))
    assert summary["finished"] is True
    assert summary["run"] == {"folder": str(run_copy.resolve() / "net.run"),
                              "weights_file": str(run_copy.resolve() / "net.h5"), "weights_file_exists": True,
                              "is_weights_file": given == "net.h5" or given == "net.run",  # net.run: its net.h5
                              "training": None, "training_host": None, "training_job": None,
                              "training_node": None}, summary["run"]
    said = _info(given).splitlines()[1]
    checkpoint = given.endswith("checkpoint.h5")  # the last checkpoint names its weights file; the file itself not
    assert said.endswith("(finished: the last checkpoint of its run; its weights file is "
                         f"{run_copy.resolve() / 'net.h5'})" if checkpoint else "iteration 2 (finished)"), said


def test_run_is_null_for_a_weights_file_without_its_run_folder(run_copy):
    (run_copy / "elsewhere").mkdir()
    shutil.copy(run_copy / "net.h5", run_copy / "elsewhere" / "net.h5")
    summary = json.loads(_info("elsewhere/net.h5", "--json"))
    assert summary["run"] is None and summary["finished"] is True and summary["diverged"] is None


def test_a_linked_run_folder_is_the_folder_it_leads_to_given_its_checkpoint_or_its_weights_file(run_copy):
    """``latest.run -> net.run`` and ``latest.h5 -> net.h5``: given the checkpoint through the link, run was
    net.run (a link of another name does not name its weights file: latest.h5 need not be there); given
    latest.h5 it was latest.run, another folder for the same run."""
    (run_copy / "latest.run").symlink_to("net.run")
    (run_copy / "latest.h5").symlink_to("net.h5")
    for given in ("latest.run/checkpoint.h5", "latest.h5"):
        run = json.loads(_info(given, "--json"))["run"]
        assert (run["folder"], run["weights_file"]) == (os.path.realpath("latest.run"), os.path.realpath("latest.h5"))
        assert run["is_weights_file"] is (given == "latest.h5"), run
    assert _info("latest.h5").splitlines()[1].endswith("iteration 2 (finished)")
