"""Resuming a transfer run (``train --copy-from BASE --n N ... --resume auto``): without its base
(moved, deleted, or on another machine), with another network in its place, with other copied
layers; and a run folder that cannot be written or read."""

import errno
import os
import pathlib
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}
FAST_OPTIONS = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--checkpoint-every", "2", "--device",
                "cpu"]


@pytest.fixture(scope="module")
def base_a(micro_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("base") / "baseA.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, half="A", **FAST))
    return out


def _transfer(out, data, base, **fields):
    fields = {"n": 2, "frozen": True, **FAST, **fields}
    return training.TrainConfig(out=str(out), data=data, copy_from=str(base), **fields)


def _started_without_base(micro_data, base_a, tmp_path):
    """A4B interrupted after iteration 2, then its base deleted: the weights file it would write."""
    base = tmp_path / "baseA.h5"
    shutil.copyfile(base_a, base)
    interrupted_after(_transfer(tmp_path / "A2B.h5", micro_data, base), 2)
    base.unlink()
    return tmp_path / "A2B.h5"


@pytest.mark.parametrize("given", ["the-same-path", "another-path"])
def test_a_transfer_continues_from_its_checkpoint_when_its_base_is_gone(micro_data, base_a, tmp_path, capsys,
                                                                        given):
    """The base deleted after the run started (or, on another machine, at another path): resuming used
    to stop at the missing file (exit 2 on the command line), though the checkpoint holds the copied
    layers and the base's sha256. The run now ends as one that never lost its base would have, and its
    weights still name the base it copied."""
    straight = training.train(_transfer(tmp_path / "straight" / "A2B.h5", micro_data, base_a))
    out = _started_without_base(micro_data, base_a, tmp_path)
    base = tmp_path / "baseA.h5" if given == "the-same-path" else tmp_path / "elsewhere" / "baseA.h5"
    training.train(_transfer(out, micro_data, base, resume="auto", quiet=False))
    note = f"note: the base {base} is not there; the run continues with its checkpoint's copy of the base's layers"
    assert note in capsys.readouterr().err
    resumed, expected = checkpoints.load(out), checkpoints.load(straight.out)
    for name, (w, b) in expected.weights.items():
        assert np.array_equal(resumed.weights[name][0], w) and np.array_equal(resumed.weights[name][1], b), name
    assert resumed.meta["parent_sha256"] == expected.meta["parent_sha256"] == checkpoints.load(base_a).sha256
    recorded_base = {**expected.meta["source"], "checkpoint": str(tmp_path / "baseA.h5")}
    assert resumed.meta["source"] == recorded_base
    assert resumed.meta["mean_source"] == {**expected.meta["mean_source"], "checkpoint": str(tmp_path / "baseA.h5")}
    again = training.train(_transfer(out, micro_data, base, resume="auto"))  # finished: nothing to do
    assert again.iterations == 4


def test_the_command_line_resumes_a_transfer_whose_base_is_gone(micro_data, base_a, tmp_path):
    """--copy-from refused a path that does not exist before train could look at the run (exit 2)."""
    out = _started_without_base(micro_data, base_a, tmp_path)
    command = ["train", "--data", micro_data, "-o", str(out), "--copy-from", str(tmp_path / "baseA.h5"), "--n", "2",
               "--frozen", *FAST_OPTIONS]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2 and result.output == (
        f"error: --copy-from '{tmp_path / 'baseA.h5'}' does not exist; to continue the run from "
        f"{out.with_suffix('.run') / 'checkpoint.h5'}, which holds the layers copied from it, add --resume auto\n")
    result = CliRunner().invoke(main, [*command, "--resume", "auto", "--quiet"])
    assert result.exit_code == 0, result.output
    assert checkpoints.load(out).iteration == 4


def test_a_missing_base_with_nothing_to_resume_is_a_usage_error(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "A2B.h5"), "--copy-from",
                                       str(tmp_path / "baseA.h5"), "--n", "2", "--resume", "auto", *FAST_OPTIONS])
    assert result.exit_code == 2
    assert result.output == (f"error: --copy-from '{tmp_path / 'baseA.h5'}' does not exist, and "
                             f"{tmp_path / 'A2B.run' / 'checkpoint.h5'} has no run to continue from it\n")
    assert not list(tmp_path.iterdir())


def test_another_network_in_the_place_of_the_base_is_still_refused(micro_data, base_a, tmp_path):
    base = tmp_path / "baseA.h5"
    shutil.copyfile(base_a, base)
    out = tmp_path / "A2B.h5"
    interrupted_after(_transfer(out, micro_data, base), 2)
    training.train(training.TrainConfig(out=str(base), data=micro_data, half="A", seed=1, overwrite=True, **FAST))
    with pytest.raises(training.ConfigError, match=r"`copy_from` .* \(another network: sha256 "):
        training.train(_transfer(out, micro_data, base, resume="auto"))


def test_a_resume_from_a_base_of_another_preset_names_copy_from_as_a_usage_error(synthetic_8, tmp_path):
    """The base's preset is the run's: a resume given a base of another network was exit 65, "checkpoint
    .../checkpoint.h5 holds a 'mini' network; this run trains 'micro'", as if the run's file were foreign."""
    bases = {preset: tmp_path / f"{preset}.h5" for preset in ("mini", "micro")}
    for preset, base in bases.items():
        training.train(training.TrainConfig(out=str(base), data=synthetic_8, half="A", preset=preset, **FAST))
    interrupted_after(_transfer(tmp_path / "t.h5", synthetic_8, bases["mini"]), 2)
    result = CliRunner().invoke(main, ["train", "--resume", "auto", "-o", str(tmp_path / "t.h5"), "--copy-from",
                                       str(bases["micro"]), "--n", "2", "--frozen", *FAST_OPTIONS])
    assert result.exit_code == 2, result.output
    # the preset, left unset, follows from --copy-from: not listed as a change of its own
    assert result.output.startswith(f"error: cannot resume {tmp_path / 't.run' / 'checkpoint.h5'} with a different "
                                    f"configuration: --copy-from '{bases['mini']}' -> '{bases['micro']}' (another "
                                    f"network: sha256 "), result.output


@pytest.mark.parametrize("base_there", [True, False], ids=["base-there", "base-gone"])
@pytest.mark.parametrize("change, named", [({"n": 1}, "`n` 2 -> 1"), ({"frozen": False}, "`frozen` True -> False")],
                         ids=["n", "frozen"])
def test_a_resume_with_other_copied_layers_is_refused_naming_the_field(micro_data, base_a, tmp_path, base_there,
                                                                       change, named):
    base = tmp_path / "baseA.h5"
    shutil.copyfile(base_a, base)
    out = tmp_path / "A2B.h5"
    interrupted_after(_transfer(out, micro_data, base), 2)
    if not base_there:
        base.unlink()
    hint = (f"; to continue the run with the options it recorded, give `resume='{out.with_suffix('.run')}'` without "
            f"those options; to train the new configuration from the start, give another `out`, or replace this run "
            f"(`overwrite=True`, without `resume`)")
    with pytest.raises(training.ConfigError) as refused:
        training.train(_transfer(out, micro_data, base, resume="auto", **change))
    assert str(refused.value).endswith(f"with a different configuration: {named}{hint}"), refused.value


def test_a_run_folder_made_read_only_mid_run_names_the_checkpoint_not_the_lock(micro_data, tmp_path, monkeypatch):
    """Its checkpoint refused, the lock's removal failed as well and replaced the error: exit 74 with
    "error: I/O: [Errno 13] Permission denied: '.../lock'". (Simulated: the tests may run as root.)"""
    run_dir = tmp_path / "net.run"
    write_bytes, unlink = pathlib.Path.write_bytes, os.unlink

    def refused(path):
        if pathlib.Path(path).parent == run_dir:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def make_read_only(done):
        if done == 3:
            monkeypatch.setattr(pathlib.Path, "write_bytes",
                                lambda path, data: refused(path) or write_bytes(path, data))
            monkeypatch.setattr(os, "unlink", lambda path, **kw: refused(path) or unlink(path, **kw))

    monkeypatch.setattr(training, "train", lambda config, train=training.train, **options: train(config, make_read_only,
                                                                                                **options))
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--quiet",
                                       *FAST_OPTIONS])
    assert result.exit_code == 74
    assert result.output == (f"error: cannot write {run_dir / 'checkpoint.h5'}: Permission denied; make it writable "
                             "and rerun with --resume auto\n")
    assert checkpoints.load(run_dir / "checkpoint.h5").iteration == 2


def test_a_checkpoint_that_may_not_be_read_is_an_io_error_not_bad_data(micro_data, tmp_path, monkeypatch):
    """It was exit 65, "cannot be read ... the run cannot continue from it: to start it over, ...":
    advice to throw away a sound checkpoint that only its permissions kept from being read."""
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST), 2)
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"

    def no_permission(path, *args, **kwargs):
        if pathlib.Path(path) == checkpoint:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(checkpoints, "open", no_permission, raising=False)
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--resume",
                                       "auto", "--quiet", *FAST_OPTIONS])
    assert result.exit_code == 74
    assert result.output == f"error: checkpoint {checkpoint}: cannot be read (Permission denied)\n"
