"""A checkpoint's root attributes, as :mod:`minitransfer.checkpoint` reads them (:func:`meta_of`): each of its
type (:data:`META_TYPES`, JSON attributes decoded: :func:`typed`), those missing taken as :data:`DEFAULT_META`
says, the provenance records' fields of theirs (:data:`SOURCE_FIELDS`, :data:`MEAN_SOURCE_FIELDS`), the
configuration's of their type and range (:data:`CONFIG_FIELDS`), the iteration within its run
(:func:`check_iteration`), and a class table naming a class where the classes are shown or scored
(:func:`check_classes`). Each fault is raised by ``fault`` (:class:`minitransfer.checkpoint_check.Faults`),
naming the file and the attribute; the checks of the file's arrays and layers stay in
:mod:`minitransfer.checkpoint_check`.
"""

from minitransfer import fileio, hdf5_files
from minitransfer.ops import precision as precisions
from minitransfer.result_digests import CURVE_SUMS

MAX_IMAGE_SIZE = 4096       # the largest mean image side (checkpoint_check.read_mean), a resized one's too


JSON_ATTRS = ("classes", "frozen_layers", "mean_source", "config", "source", "precision_changes", CURVE_SUMS)
DEFAULT_META = {
    "classes": [], "dataset_fingerprint": "", "dataset_classes_sha256": "", "split_kind": "", "split_seed": 0,
    "split_half": "", "n_copied": 0, "n_frozen": 0, "frozen_layers": [], "random_frozen": False, "parent_sha256": "",
    "mean_source": {}, "iteration": 0, "config": {}, "source": {}, "precision_changes": [],
}


# The type every root attribute must have (JSON attributes decoded first). CURVE_SUMS, the sums of the eval.csv
# rows up to the checkpoint's iteration (result_digests.checkpoint_sums), has no default: a file written before it
# (or by another program) records none, and its meta has none, so that it is written back as it was
META_TYPES = {
    "classes": list, "dataset_fingerprint": str, "dataset_classes_sha256": str, "split_kind": str, "split_seed": int,
    "split_half": str, "n_copied": int, "n_frozen": int, "frozen_layers": list, "random_frozen": bool,
    "parent_sha256": str, "mean_source": dict, "iteration": int, "config": dict, "source": dict,
    "precision_changes": list, CURVE_SUMS: dict,
}


def meta_of(f, fault):
    meta = dict(DEFAULT_META)
    for key, kind in META_TYPES.items():
        if key in f.attrs:
            meta[key] = typed(f.attrs, key, kind, fault, decode=key in JSON_ATTRS)
    most_count, _ = option_ranges()
    for number, entry in enumerate(meta["classes"]):
        if not (isinstance(entry, dict) and type(entry.get("index")) is int and isinstance(entry.get("wnid"), str)
                and isinstance(entry.get("name"), str)):
            raise fault(f"attribute classes entry {number} must be {{index: int, wnid: str, name: str}}, "
                        f"got {entry!r:.80}")
        if not 0 <= entry["index"] <= most_count:  # a class of a dataset, which holds fewer
            raise fault(f"attribute classes entry {number} index must be 0..{most_count}, got {entry['index']!r:.80}")
    if not all(isinstance(name, str) for name in meta["frozen_layers"]):
        raise fault("attribute frozen_layers must be a list of layer names")
    for number, entry in enumerate(meta["precision_changes"]):
        if not (isinstance(entry, dict) and type(entry.get("iteration")) is int
                and 0 <= entry["iteration"] <= most_count
                and entry.get("from") in precisions.PRECISIONS and entry.get("to") in precisions.PRECISIONS):
            raise fault(f"attribute precision_changes entry {number} must be {{iteration: int, from: precision, to: "
                        f"precision}} (precisions: {', '.join(precisions.PRECISIONS)}), got {entry!r:.80}")
    seen = set()
    for entry in meta["classes"]:  # fc8's outputs are distinct classes
        if entry["index"] in seen:
            raise fault(f"attribute classes lists class {entry['index']} more than once")
        seen.add(entry["index"])
    for key, fields in (("source", SOURCE_FIELDS), ("mean_source", MEAN_SOURCE_FIELDS)):
        _check_fields(meta[key], fields, f"attribute {key}", fault)
    _check_split(meta, fault)
    _check_config(meta["config"], fault)
    check_iteration(meta, fault)
    return meta


# The provenance records' fields and their types (fields not listed are kept unchecked). A mean
# image copied from a base records the base's own record under "from".
SOURCE_FIELDS = {"checkpoint": str, "sha256": str, "network_sha256": str, "dataset": str, "dataset_fingerprint": str,
                 "dataset_classes_sha256": str, "classes": int, "split_kind": str, "split_seed": int,
                 "split_half": str, "cross_dataset": bool, "precision": str}
MEAN_SOURCE_FIELDS = {"kind": str, "checkpoint": str, "sha256": str, "dataset": str, "fingerprint": str, "from": dict,
                      "resized_from": list}


def _check_fields(record, fields, what, fault):
    """Each field of ``record`` listed in ``fields`` has its type, a resized_from is [height, width],
    and the record under "from" (where ``fields`` has one) is checked the same way."""
    while record:
        for key, kind in fields.items():
            if key in record and type(record[key]) is not kind:
                raise fault(f"{what} field {key} must be {kind.__name__}, got {record[key]!r:.80}")
        resized = record.get("resized_from")
        if resized is not None and not (len(resized) == 2 and all(type(side) is int and 1 <= side <= MAX_IMAGE_SIZE
                                                                    for side in resized)):
            raise fault(f"{what} field resized_from must be [height, width], got {resized!r:.80}")
        record, what = record.get("from") if "from" in fields else None, f"{what} field from"


# The configuration fields that readers of a checkpoint use (eval, copying, resuming), with their
# type and least value; None (a default left unresolved) is taken as absent. The largest is the
# option's (:func:`option_ranges`): a seed's for the seeds, a count's for the others (a max_iter of
# 10**100 was called resumable, and train refused to resume it). The paths are text: an `out` of 5 was a
# TypeError traceback from the comparison of a resumption's configuration with it.
CONFIG_FIELDS = {"data": (str, None), "out": (str, None), "copy_from": (str, None), "seed": (int, 0),
                 "split_seed": (int, 0), "per_class": (int, 1), "max_iter": (int, 1), "batch_size": (int, 1),
                 "eval_batch_size": (int, 1)}
SEED_FIELDS = ("seed", "split_seed")


def option_ranges():
    """The largest count (iterations, batch, images per class) and seed a run's options take:
    :data:`minitransfer.config_checks.MAX_COUNT` and ``MAX_SEED``, a recorded run's bounds too."""
    from minitransfer import config_checks  # which imports checkpoint_check, which imports this module
    return config_checks.MAX_COUNT, config_checks.MAX_SEED


def _check_split(meta, fault):
    """The split the network was trained on is one train makes: a kind of split (or none recorded, "": a file of
    another program), a half of a split that has halves (A or B; none of the "all" split) and a seed in the range
    a split's seed takes. Typed alone, a base of split kind 'bogus' had its transfer refused as the user's
    configuration (exit 2, the file unnamed), and one of half 'C' was copied onto half A, as a base of half 'C'."""
    from minitransfer import config_checks  # which imports checkpoint_check, which imports this module
    kind, half, seed = meta["split_kind"], meta["split_half"], meta["split_seed"]
    if kind not in ("", *config_checks.SPLIT_KINDS):
        raise fault(f"attribute split_kind must be one of {', '.join(config_checks.SPLIT_KINDS)}, got {kind!r:.80}")
    halves = {"random": config_checks.HALVES, "natural": config_checks.HALVES, "all": ("",)}.get(
        kind, ("", *config_checks.HALVES))
    if half not in halves:
        said = " or ".join(repr(each) for each in halves)
        raise fault(f"attribute split_half must be {said} for split_kind {kind!r}, got {half!r:.80}")
    if not 0 <= seed <= config_checks.MAX_SEED:
        raise fault(f"attribute split_seed must be 0..{config_checks.MAX_SEED}, got {seed!r:.80}")


def _check_config(config, fault):
    """Each field of :data:`CONFIG_FIELDS` in ``config`` is None or of its type and range, and the
    precision, where one is recorded (always, since precisions exist), one this minitransfer
    computes in."""
    most_count, most_seed = option_ranges()
    for key, (kind, least) in CONFIG_FIELDS.items():
        value = config.get(key)
        if value is None:
            continue
        most = None if least is None else most_seed if key in SEED_FIELDS else most_count
        if type(value) is not kind or least is not None and not least <= value <= most:
            bound = f" {least}..{most}" if least is not None else ""
            raise fault(f"attribute config field {key} must be {kind.__name__}{bound}, got {value!r:.80}")
    if config.get("data") == "":  # eval would score it on another dataset, said to be its own, "prepared again"
        raise fault("attribute config field data is empty: the file records no dataset the network was trained on "
                    "(train records the folder it read: the file was changed by hand or is damaged)")
    if "precision" in config and config["precision"] not in precisions.PRECISIONS:
        raise fault(f"attribute config field precision must be one of {', '.join(precisions.PRECISIONS)}, "
                    f"got {config['precision']!r:.80}")


def check_classes(meta, fault):
    """A checkpoint's class table (``meta``: :func:`meta_of`'s) names a class at least: train records
    each class a network is trained on, and a table emptied by hand would be shown as "0 classes",
    and scored on none. Asked by those that show or score the classes (info, eval), not at every load:
    a file of a network's first layers alone records none."""
    if not meta["classes"]:
        raise fault("attribute classes is empty: the file records no class for the network's outputs (train records "
                    "each class it trained on: the file was changed by hand or is damaged)")


def check_iteration(meta, fault):
    """A run's checkpoint lies between its start and its end (the max_iter its configuration records)."""
    iteration, max_iter = meta["iteration"], meta["config"].get("max_iter")
    if iteration < 0:
        raise fault(f"attribute iteration is {iteration}; an iteration count is never negative")
    most_count, _ = option_ranges()
    if iteration > most_count:  # past any run's end (a max_iter, where recorded, is checked before)
        raise fault(f"attribute iteration is {iteration!r:.80}, past the end of any run (max_iter is at most "
                    f"{most_count})")
    if type(max_iter) is int and iteration > max_iter:
        raise fault(f"attribute iteration is {iteration}, past the end of its run (config max_iter {max_iter})")


def missing(name):
    """How a checkpoint's fault says its ``name`` ("attribute iteration") is not there."""
    return f"{name} is missing (the file is incomplete, or was written by another program)"


def typed(attrs, key, kind, fault, decode=False, where=None):
    """Attribute ``key`` (JSON-decoded when ``decode``) if it is a ``kind``; a clear error otherwise,
    naming the object it is attached to (``where``, e.g. ``/weights/conv1``) unless it is the root."""
    name = f"attribute {key}" + (f" of {where}" if where else "")
    if key not in attrs:  # h5py's KeyError names neither the attribute nor the file
        raise fault(missing(name))
    value = hdf5_files.plain_attribute(attrs[key])
    if decode:
        try:
            value = fileio.parse_json(value)
        except (TypeError, ValueError):
            raise fault(f"{name} must be JSON, got {value!r:.80}") from None
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        article = "a JSON" if decode else "an" if kind is int else "a"  # "must be an int", not "a int"
        raise fault(f"{name} must be {article} {kind.__name__}, got {value!r:.80}")
    return value
