"""Every reader of a checkpoint or weights file opens it as :func:`minitransfer.checkpoint.load` does
(:func:`minitransfer.hdf5_files.open_hdf5`, ``locked=False``): another process holding it open for
writing (h5py's "r+" in a notebook), or one that died so and left it marked "open for write", does
not hide what it records. Dataset files keep HDF5's lock (tests/data/test_data_unreadable.py)."""

import h5py
import pytest
from test_checkpoint_other_tools import _opened_for_writing, finished  # noqa: F401 (a fixture: a finished run)
from test_cross_dataset_refusals import base  # noqa: F401 (a fixture: a micro network, its run folder beside it)

from minitransfer import class_overlap, evaluate, train_records
from minitransfer.data import dataset as datasets
from minitransfer.experiment import CHECKPOINT_FILE

HOW = {"held-open": "sys.stdin.read()", "left-marked": "os._exit(0)"}


@pytest.fixture(params=list(HOW))
def held(request):
    """``held(*paths)``: those files open for writing in another process (held, or left marked by a
    process that died holding them) until the test ends."""
    processes = []

    def hold(*paths):
        processes.append(_opened_for_writing(paths, HOW[request.param]))
        with pytest.raises(OSError, match="lock file|already open for write"):  # as plain h5py meets them
            h5py.File(paths[0], "r").close()

    yield hold
    for process in processes:
        process.communicate("")


def test_the_report_reads_train_s_record_and_class_table_of_files_open_for_writing(finished, micro_data, held):
    """Before: the record read as "checkpoint ... cannot be read (... unable to lock file ...)" and
    the class table as none, so the report said nothing of the classes a base had seen."""
    folder = finished.with_suffix(".run")
    held(finished, folder / CHECKPOINT_FILE)
    data = datasets.open_dataset(micro_data)

    records = train_records.run_records(folder, {"out": str(finished)})

    assert records.unreadable == []
    assert [record["dataset_fingerprint"] for record in records] == [data.fingerprint] * 2
    for path in (finished, folder / CHECKPOINT_FILE):
        assert [entry["wnid"] for entry in class_overlap._class_table(path)] == \
            [entry["wnid"] for entry in data.classes]


def test_why_a_checkpoint_open_for_writing_records_no_dataset_is_told(tmp_path, held):
    """Before: opened locked, refused, and said to have "no field data" in a config attribute it does
    not have."""
    path = tmp_path / "net.h5"
    with h5py.File(path, "w", libver="latest") as f:  # no config attribute; marked when left open for writing
        f.attrs["format"] = "minitransfer-checkpoint"
    held(path)
    assert evaluate._no_dataset(path) == "attribute config is missing"
