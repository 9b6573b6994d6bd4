"""The options a grid's runs share (``options`` of :func:`minitransfer.scheduler.run_grid`, of
:func:`minitransfer.experiment.train_arguments`): configuration fields, name → value, and the keys
of the grid's own (:data:`SOURCE_DATA`, :data:`ALL_CLASSES`). :func:`check_options` refuses a field
each run sets itself (:data:`RUN_OWN_FIELDS`), naming where a grid takes it from, and one that is
no field, naming the nearest that is.
"""

import collections.abc
import dataclasses
import difflib

from minitransfer import config, config_checks
from minitransfer.home_paths import expanded_fields
from minitransfer.train_config import PATH_FIELDS

# Options key: the source dataset of a cross-dataset grid, on every class of which its bases train.
SOURCE_DATA = "source_data"
# Options key: configuration fields that replace the shared ones for the runs on every class of the
# dataset (split "all": the random-weights control, its base, the reduced-data runs); e.g. the
# demo trains them for as many epochs as a half's runs: {"max_iter": 1560, "stepsize": 520, ...}.
ALL_CLASSES = "all_classes"

# The configuration fields each run of a grid sets itself (run_fields, train_arguments), with what
# each is and where a grid takes it from: an option giving one would set it for every run (baseB
# trained on half A), so it is refused by name (check_options).
RUN_OWN_FIELDS = {
    "split": ("the split its halves are drawn by", "give plan_grid's random_seeds, natural or cross"),
    "split_seed": ("its random split's seed", "give plan_grid's random_seeds"),
    "half": ("the half it trains on: baseA on A, baseB and each nB on B", "give plan_grid's both_directions or "
                                                                          "reverse_layers for runs on A"),
    "copy_from": ("the weights of its base in the grid's folder", "leave it out"),
    "n": ("the layers it copies", "give plan_grid's layers"),
    "frozen": ("frozen or fine-tuned copies", "give plan_grid's frozen and fine_tuned"),
    "random_frozen": ("the random-weights control's layers", "give plan_grid's random_frozen"),
    "per_class": ("a reduced-data run's images per class", "give plan_grid's per_class"),
    "out": ("its weights file, OUT/<name>.h5", "give the grid's folder as run_grid's `out`"),
    "resume": ("'auto': a rerun continues each run", "leave it out"),
}


def check_options(options):
    """Raise ``ConfigError`` unless ``options`` (a grid's) is a dict of configuration fields its runs
    may share: naming one that is no field (and the nearest that is), one each run sets itself
    (:data:`RUN_OWN_FIELDS`), or a dataset that is no path."""
    _check_fields("options", options, (SOURCE_DATA, ALL_CLASSES))
    for key in ("data", SOURCE_DATA):
        config_checks.check_path(key, options.get(key))
    if options.get(ALL_CLASSES) is not None:
        _check_fields(ALL_CLASSES, options[ALL_CLASSES], ())


def _check_fields(what, fields, keys):
    """``fields`` (the argument or key ``what``) must be a mapping of configuration fields (or of
    ``keys``) that no run sets itself."""
    if not isinstance(fields, collections.abc.Mapping):
        raise config.ConfigError(f"`{what}` must be a dict of configuration fields shared by every run (e.g. "
                                 f"{{'data': 'imagenet', 'max_iter': 300}}), got {type(fields).__name__}")
    known = (*_TRAIN_FIELDS, *keys)
    for name in fields:
        if name in RUN_OWN_FIELDS:
            what_it_is, remedy = RUN_OWN_FIELDS[name]
            raise config.ConfigError(f"`{name}` is set by each run of the grid ({what_it_is}); {remedy}")
        if name not in known:
            nearest = difflib.get_close_matches(str(name), known, n=1)
            hint = f"did you mean `{nearest[0]}`?" if nearest else "its fields are those of TrainConfig"
            raise config.ConfigError(f"`{what}`: `{name}` is not a field of a grid's runs; {hint}")


_TRAIN_FIELDS = tuple(field.name for field in dataclasses.fields(config.TrainConfig))


def expanded_options(options):
    """A grid's ``options`` with a ``~`` in their paths expanded (:func:`minitransfer.home_paths.expanded`),
    those for the runs on every class too; options of the wrong kind as they are, for :func:`check_options`.
    A grid run (``scheduler.run_grid``) and one written for SLURM (``slurm.emit_slurm``) expand them as called."""
    options = expanded_fields(options, (*PATH_FIELDS, SOURCE_DATA))
    if isinstance(options, dict) and ALL_CLASSES in options:
        options[ALL_CLASSES] = expanded_fields(options[ALL_CLASSES], PATH_FIELDS)
    return options
