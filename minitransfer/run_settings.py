"""What a run was trained with, as its config.json and checkpoint record it and the report reads it
(:mod:`minitransfer.results`): the precision it was computed in (:func:`precision_of`) and its training
schedule (:func:`schedule_of`, :func:`schedule_group`, :func:`last_rate_change`). What its dataset tells is
:mod:`minitransfer.run_facts`'.
"""

from minitransfer import fileio, optim, train_records
from minitransfer.experiment import CROSS
from minitransfer.recorded_config import precision_history


def precision_of(folder, config, records=None):
    """The precision a run was computed in ("tf32"), with the ones it was continued in where a
    resumption changed it ("tf32 until iteration 200, then ieee", from the changes train recorded
    in its checkpoint; :func:`minitransfer.recorded_config.precision_history`), and that of the layers it
    copied where the base was trained in another ("ieee, layers 1..3 copied from a tf32 network").
    A configuration written before the option existed was trained in ieee. ``records``: the run's
    :func:`minitransfer.train_records.run_records`, when already read."""
    changes = train_records.recorded(folder, config, "precision_changes", _precision_changes, records) or []
    own = precision_history({"config": config, "precision_changes": changes})
    copied = train_records.recorded_source(folder, config, records).get("precision", own)
    return own if copied == own else f"{own}, layers 1..{config.get('n')} copied from a {copied} network"


def _precision_changes(value):
    changes = fileio.parse_json(value)
    if not (isinstance(changes, list) and all(isinstance(c, dict) and {"iteration", "from", "to"} <= set(c)
                                              for c in changes)):
        raise ValueError(f"not train's record of precision changes: {value!r:.80}")
    return changes


# The options that decide how far a network is trained and how its metric is taken: runs compared
# with each other must share them (a grid sets them once; its runs on every class may differ as a
# group, experiment's all_classes options, and the reduced-data runs take their own learning rate).
SCHEDULE_FIELDS = ("max_iter", "stepsize", "gamma", "base_lr", "momentum", "weight_decay", "batch_size", "eval_every")


def schedule_of(config):
    """((field, value), ...) of the :data:`SCHEDULE_FIELDS` a run's config.json gives (as numbers or text)."""
    return tuple((key, config[key]) for key in SCHEDULE_FIELDS if isinstance(config.get(key), (int, float, str)))


def schedule_group(result):
    """The runs whose schedules must agree: those on a half of a split, those on every class (the
    reduced-data runs apart), those of a study across datasets (each on every class of its dataset,
    trained with the grid's options, not those of the runs on every class)."""
    if result.run.kind == "reduced":
        return "reduced-data runs"
    return {"all": "runs on every class", CROSS: "runs across datasets"}.get(result.run.split, "runs on a half")


def last_rate_change(config):
    """The iteration of the run's last learning-rate step (:func:`minitransfer.optim.last_rate_change`);
    0 when its config is missing or does not give its schedule."""
    try:
        solver = optim.Solver(gamma=float(config["gamma"]), stepsize=int(config["stepsize"]),
                              max_iter=int(config["max_iter"]))
    except (ValueError, KeyError, TypeError, OverflowError):  # OverflowError: a hand-edited 1e400, infinity
        return 0
    return optim.last_rate_change(solver)
