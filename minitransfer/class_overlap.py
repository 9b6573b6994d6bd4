"""The classes a transfer across datasets shares with its base (:func:`seen_classes`), as the report reads
it (:mod:`minitransfer.results`): its copied layers have seen them, so it is no transfer to new classes alone,
as the paper's are. The class tables compared are those train recorded in the weights files and checkpoints
(:func:`_class_table`).
"""

import pathlib

from minitransfer import fileio, hdf5_files, train_records
from minitransfer.class_tables import shared_classes
from minitransfer.experiment import CHECKPOINT_FILE, weights_path
from minitransfer.rundir import recorded_name, recorded_path


def seen_classes(folder, name, run, config, records, facts):
    """(shared, classes) of a transfer across datasets whose base had been trained on ``shared`` of the
    ``classes`` it trains on (:func:`minitransfer.class_tables.shared_classes`: by wnid, Tiny ImageNet's
    being ImageNet's, or by a folder's class name with its case ignored), which ``experiment
    --source-data`` and ``train`` warn of: its copied layers have seen them, so it is no transfer to new
    classes alone, as the paper's are. () where it shares none,
    or where a class table cannot be read. Its own class table is the one train recorded in its
    weights file (or checkpoint); its base's in the base's weights file: the grid's base beside it
    (its folder moved or copied with it), else the checkpoint train recorded it copied from, read
    once for every run (``facts``)."""
    own = _class_table(folder.parent / recorded_name(config.get("out") or "")) \
        or _class_table(folder / CHECKPOINT_FILE)
    source = train_records.recorded_source(folder, config, records)
    places = [weights_path(folder.parents[len(pathlib.PurePosixPath(name).parts) - 1], run.parent)] \
        if run.parent else []
    places += [pathlib.Path(recorded_path(source["checkpoint"]))] if source.get("checkpoint") else []
    for place in places:
        if ("classes", place) not in facts:
            facts["classes", place] = _class_table(place)
    base = next((facts["classes", place] for place in places if facts["classes", place]), None)
    shared = len(shared_classes(own, base)) if own and base else 0
    return (shared, len(own)) if shared else ()


def _class_table(path):
    """The class table ([{index, wnid, name}, ...]) train recorded in the weights file or checkpoint at
    ``path``; None where there is none that can be read."""
    try:
        if not path.is_file():  # a named pipe: opening it waits for a writer
            return None
        with hdf5_files.open_hdf5(path, locked=False) as f:  # a weights file or checkpoint: as checkpoint.load reads it
            table = fileio.parse_json(hdf5_files.plain_attribute(f.attrs["classes"]))
    except (OSError, KeyError, ValueError, TypeError):
        return None
    return table if isinstance(table, list) and all(isinstance(entry, dict) and "wnid" in entry
                                                    for entry in table) else None
