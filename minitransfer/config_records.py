"""The defaults a run takes from the checkpoints it goes on from: the record of the run it continues (or would
report or refuse to replace) and its base's. Its training seed (:func:`seed_of`: the one recorded, else one
derived from its base's, :func:`base_seed`) and its solver (:func:`solver_of`: a schedule an earlier version
trained is taken as recorded), for :func:`minitransfer.config.resolve`.
"""

import dataclasses

from minitransfer import optim
from minitransfer.config_checks import MAX_SEED, ConfigError
from minitransfer.resumed_records import resumed_record
from minitransfer.train_config import SEED_DEFAULT, default_out, derived_seed, network_name


class ScheduleRefused(ConfigError):
    """A new network's schedule :func:`minitransfer.optim.run_solver` refuses (exit 2): one an earlier version
    trained is taken where a checkpoint the run goes on from records it (:func:`solver_of`)."""


def seed_of(c, parent, resumed=None):
    """The training seed: the one given; else, for a copy, the one its own run recorded where it
    continues or reports that run (:func:`_recorded_seed`: one trained before this default, with
    seed 0, goes on unchanged), or :func:`minitransfer.train_config.derived_seed` of its base's
    recorded seed (0 where it records none) and its :func:`~minitransfer.train_config.network_name`, so
    that its new layers and data order are not the base's own draws; else 0."""
    if c.seed is not None:
        return c.seed
    if parent is None:
        return SEED_DEFAULT
    recorded = _recorded_seed(c, parent, resumed)
    return recorded if recorded is not None else derived_seed(base_seed(parent), network_name(c, parent))


def base_seed(parent):
    """The training seed base checkpoint ``parent`` recorded, 0 where it records none."""
    seed = parent.meta["config"].get("seed")
    return seed if type(seed) is int else 0


def _recorded_seed(c, parent, resumed=None):
    """The seed recorded by the run ``c`` continues (`resume`), or would report or refuse to
    replace (its run folder's checkpoint, else its weights; a replaced one, `overwrite` without
    `resume`, has none), where it records one; else None. A base not there was read from that record
    (:func:`minitransfer.resume.read_base`), and ``resumed`` is that record as train read it
    (:func:`minitransfer.config.resolve`): neither is read again."""
    if c.overwrite and c.resume is None:
        return None
    if parent.recorded_in is not None:
        seed = parent.recorded_in.meta["config"].get("seed")
    else:
        found = _own_record(c, parent, resumed)
        seed = found[1]["config"].get("seed") if found is not None else None
    return seed if type(seed) is int and 0 <= seed <= MAX_SEED else None


def _own_record(c, parent, resumed=None):
    """The record of the run ``c`` continues, or would report or refuse to replace (``resumed``, else read:
    :func:`~minitransfer.resumed_records.resumed_record`); None for one replaced (`overwrite` without `resume`)."""
    if c.overwrite and c.resume is None:
        return None
    return resumed or resumed_record(dataclasses.replace(c, out=c.out or default_out(c, parent),
                                                        resume=c.resume or "auto"))


def solver_of(c, parent=None, resumed=None):
    """The run's :func:`minitransfer.optim.run_solver`; a schedule it refuses (the rate stepped below float32's
    normal numbers) that a checkpoint this run goes on from records already is taken as it is (a plain
    :class:`~minitransfer.optim.Solver`): one an earlier version trained, which refused none, whose run is resumed or
    reported finished, or whose base the run copies (a grid's transfers of bases that trained it; a base not yet
    trained is refused it)."""
    fields = {name: getattr(c, name) for name in optim.SOLVER_FIELDS}
    try:
        return optim.run_solver(**fields)
    except optim.ScheduleError as error:
        if any(all(config.get(name) == value for name, value in fields.items())
               for config in _recorded_configs(c, parent, resumed)):
            return optim.Solver(**fields)
        raise ScheduleRefused(str(error)) from error
    except ValueError as error:
        raise ConfigError(str(error)) from error


def _recorded_configs(c, parent, resumed=None):
    """The configurations recorded by the checkpoint of the run ``c`` continues, or would report or refuse to
    replace (:func:`_own_record`), and by its base ``parent``."""
    found = _own_record(c, parent, resumed)
    metas = ([found[1]] if found is not None else []) + ([parent.meta] if parent is not None else [])
    return [meta.get("config") or {} for meta in metas]
