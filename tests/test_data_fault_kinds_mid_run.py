"""The data failing mid-run with an error of the data layer's own kinds, each as it is made where it is raised:
the run keeps its iterations and the error keeps its kind (its exit code) and its fields. A CorruptFile (a shard
whose sha256 no longer matches, found as the evaluation first checks the validation shards) was rebuilt with one
argument of its three: a TypeError, a traceback and exit 1 (seen on a real SLURM task whose val shard was cut
short as it trained), and so was one a finished run's resumption met (a grid's rerun after a shard was damaged)."""

import errno
import shutil

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data.integrity import CorruptFile
from minitransfer.data.schema import DatasetError, DatasetUnreadable
from test_out_of_memory import _checkpoint, _train, crops_fail_at

FAULTS = {
    "corrupt": (CorruptFile("val-00000.h5: sha256 mismatch; run prepare verify", "val-00000.h5", "sha256 mismatch"),
                {"path": "val-00000.h5", "fault": "sha256 mismatch"}),
    "unreadable": (DatasetUnreadable("train-00000.h5: cannot be read (Input/output error)"), {}),
    "plain": (DatasetError("train-00000.h5: damaged after it was checked; rerun prepare"), {}),
}


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_data_fault_mid_run_keeps_its_kind_and_fields_and_the_iterations_done(micro_data, tmp_path, monkeypatch,
                                                                                 kind):
    fault, fields = FAULTS[kind]
    crops_fail_at(monkeypatch, 5, fault)
    out = tmp_path / "net.h5"
    with pytest.raises(DatasetError) as caught:
        _train(out, micro_data)
    error = caught.value
    assert type(error) is type(fault), repr(error)
    assert str(error).startswith(f"{fault}; the 5 iterations done are saved in {_checkpoint(out)}: "), str(error)
    assert {name: getattr(error, name) for name in fields} == fields


def test_a_finished_run_resumed_on_a_shard_damaged_since_exits_65_naming_it(micro_data, tmp_path):
    """`train --resume auto` of a finished run (a grid's rerun) whose dataset's shard no longer matches its sha256:
    one line, exit 65, naming the shard, where rebuilding the CorruptFile ended in a TypeError's traceback."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    arguments = ["train", "--data", str(data), "-o", str(tmp_path / "net.h5"), "--preset", "micro",
                 "--batch-size", "8", "--max-iter", "2", "--eval-every", "2", "--device", "cpu", "--quiet"]
    assert CliRunner().invoke(main, arguments).exit_code == 0
    shard = sorted(data.glob("train-*.h5"))[0]
    damaged = bytearray(shard.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    shard.write_bytes(bytes(damaged))
    result = CliRunner().invoke(main, [*arguments, "--resume", "auto"])
    assert result.exit_code == 65, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert "is finished" in result.output and f"{shard}: sha256 mismatch" in result.output, result.output


def test_an_io_error_reworded_keeps_its_errno_and_says_the_new_words():
    """errors.reworded of a StorageError (whose str is its strerror): the new words, its errno and kind kept; its
    strerror was None, and str() of it raised a TypeError."""
    from minitransfer.errors import reworded
    from minitransfer.fileio import StorageError

    error = reworded(StorageError(errno.ENOSPC, "cannot write x.h5: No space left on device"), "run A: full")
    assert (type(error), error.errno, str(error)) == (StorageError, errno.ENOSPC, "run A: full")
    unreadable = reworded(FAULTS["unreadable"][0], "run A: unreadable")
    assert (type(unreadable), unreadable.errno, str(unreadable)) == (DatasetUnreadable, None, "run A: unreadable")
