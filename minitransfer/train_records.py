"""What ``train`` recorded in a run's checkpoint and weights file, read back for the report: the
root attributes of :data:`RECORDED` (the base the run copied its layers from, the dataset's
fingerprint, the precisions it changed to), each file opened once, as plain values.

:mod:`minitransfer.treatments` reads a copy's base from the record ("source") before it judges the
base checkpoint itself; :mod:`minitransfer.results` and :mod:`minitransfer.run_facts` read the rest.
"""

from minitransfer import fileio, hdf5_files
from minitransfer.checkpoint_check import HDF5_DAMAGE
from minitransfer.experiment import CHECKPOINT_FILE
from minitransfer.rundir import recorded_name

# The root attributes of a run's checkpoint and weights file that the report reads (:func:`recorded`): reading
# every one (its configuration, class table, ...) took most of a report's time, 3 ms a run of a grid of thousands.
RECORDED = ("source", "dataset_fingerprint", "precision_changes")


class Records(list):
    """A run's records (:func:`run_records`), one dict a file read, and in :attr:`unreadable` the
    files that could not be read ("checkpoint PATH cannot be read (why)"): where they held the
    record, the report says so, not that train recorded nothing."""

    def __init__(self, records=(), unreadable=()):
        super().__init__(records)
        self.unreadable = list(unreadable)


def run_records(folder, config):
    """The :data:`RECORDED` root attributes train wrote into the run's checkpoint and into its weights
    file (named by ``config``'s out), in that order, each file opened once, as plain values
    (:class:`Records`); a file that is missing or not a file (a named pipe, whose opening waits for a
    writer), or an attribute that cannot be read, is left out, and a file that cannot be read (corrupt,
    cut short) named in :attr:`Records.unreadable`."""
    weights = recorded_name(config.get("out") or "")  # as this locale lists it
    files = [("checkpoint", folder / CHECKPOINT_FILE)]
    if weights:
        files.append(("weights file", folder.parent / weights))
    records = Records()
    for what, path in files:
        if not path.is_file():
            continue
        try:
            with hdf5_files.open_hdf5(path, locked=False) as f:  # as checkpoint.load reads them
                attributes = f.attrs
                records.append({key: _attribute(attributes, key) for key in RECORDED if key in attributes})
        except HDF5_DAMAGE as error:
            records.unreadable.append(f"{what} {path} cannot be read ({error})")
    return records


def _attribute(attrs, key):
    try:
        return hdf5_files.plain_attribute(attrs[key])
    except (OSError, ValueError, TypeError):  # a type h5py cannot read back: as if not written
        return None


def recorded(folder, config, attribute, read=str, records=None):
    """``read(value)`` of a root attribute train wrote into the run's checkpoint or its weights
    file, one of :data:`RECORDED` (the first that holds it and ``read`` accepts: no ValueError); None
    when neither does. ``records``: the run's :func:`run_records`, when already read."""
    for attributes in run_records(folder, config) if records is None else records:
        try:
            return read(attributes[attribute])
        except (KeyError, ValueError, TypeError):  # missing, unreadable, or written before the record
            continue
    return None


def recorded_source(folder, config, records=None):
    """The record (a dict) train wrote of the base the run copied its layers from ("source"); {} for a
    run without one, or a record that is no JSON object."""
    source = recorded(folder, config, "source", fileio.parse_json, records)
    return source if isinstance(source, dict) else {}


def source_record(value):
    """What train decided about the base ({split_half, cross_dataset, ...}) from its JSON record."""
    source = fileio.parse_json(value)
    if not (isinstance(source, dict) and "cross_dataset" in source and "split_half" in source):
        raise ValueError(f"not train's record of a base: {value!r:.80}")
    return source
