"""What a grid warns of, or refuses, before it trains, where its runs would not measure what the
paper's do: a cross-dataset grid whose source dataset holds its target's classes
(:func:`check_source_data`), and schedules that evaluate no more times than the 10 best whose mean is
the paper's accuracy, which is then the mean of every evaluation, the first included
(:func:`few_evaluations`); and, where a schedule is refused, the runs an earlier version trained with one
in the grid's folder (:func:`earlier_runs_refused`). The other checks of a grid's options are in
:mod:`minitransfer.grid_preflight`.
"""

from minitransfer import class_tables, config, optim
from minitransfer.data import dataset as datasets
from minitransfer.experiment import run_fields, some_names
from minitransfer.left_out import UnreadableRun
from minitransfer.run_file_readers import read_json
from minitransfer.rundir import BEST_EVALUATIONS


def check_source_data(source_data, data):
    """Raise ``ConfigError`` when a cross-dataset grid's source dataset ``source_data`` holds the classes
    of its target ``data`` (the same folder, a copy of it, or another set of images of the same class
    table): ``train`` takes a base of a dataset's own classes as a transfer within it
    (:func:`minitransfer.class_tables.same_dataset`), so each SnT would be trained and recorded as one, and
    the report would leave every SnT out as copied from the wrong base. Else the warning, or "", for a
    source holding some of the target's classes (by wnid, or by name for a folder's classes:
    :func:`minitransfer.class_tables.shared_classes`; Tiny ImageNet's 200 are ImageNet's): the
    source base's layers will have been trained on them, so no SnT is a transfer to new classes
    alone, as the paper's are; said before the grid trains, where each SnT's own warning (from
    ``train``'s checks) comes only as it starts, after the source base has trained."""
    source, target = datasets.open_dataset(source_data), datasets.open_dataset(data)
    if class_tables.classes_sha256(source) != class_tables.classes_sha256(target):
        shared = class_tables.shared_classes(target.classes, source.classes)
        if not shared:
            return ""
        named = some_names([class_tables.described_wnid(entry["wnid"]) for entry in shared])  # escaped
        are, them = ("is", "it") if len(shared) == 1 else ("are", "them")  # 1 of the 3 classes is among
        return (f"{len(shared)} of the {target.num_classes} classes of --data {data} {are} among the "
                f"{source.num_classes} of --source-data {source_data} ({class_tables.matched_by(shared)}: {named}): "
                f"the source base's layers will have been trained on {them}, so each SnT is not a transfer to new "
                f"classes alone (the paper's are); for that, a source dataset without the target's classes")
    if source.path.resolve() == target.path.resolve():
        what = "are the same dataset"
    elif source.fingerprint == target.fingerprint:
        what = "are the same prepared dataset (one a copy of the other)"
    else:
        what = "hold the same classes (index and wnid), which train takes for one dataset"
    raise config.ConfigError(f"--source-data {source_data} and --data {data} {what}: their transfers would not be "
                             f"across datasets; for transfers within one dataset plan its halves without "
                             f"--source-data (--split random)")


def evaluations(plan_config):
    """How many times a run of the resolved ``plan_config`` evaluates (:func:`minitransfer.config.evaluates_after`)."""
    # every eval_every, and at the end where max_iter is not a multiple; counted, not looped over (a
    # loop over 2**31 iterations never ended)
    return plan_config.max_iter // plan_config.eval_every + (plan_config.max_iter % plan_config.eval_every != 0)


def few_evaluations(runs, out, options, resolve):
    """A warning for each schedule (iterations, evaluated every K) of ``runs`` that evaluates no more
    times than the 10 best whose mean is the paper's accuracy: the report takes the mean of them all
    instead, the first (made early in training, which more evaluations would leave out) included, and
    said so only once the grid had trained. ``resolve(run, out, options)``: the resolved
    plan of a base run (:func:`minitransfer.grid_preflight.resolved_plan`), one per set of fields its
    bases share; a copy trains with its base's schedule."""
    by_name, plans, schedules = {run.name: run for run in runs}, {}, {}
    for run in runs:
        base = by_name.get(run.parent, run)
        fields = run_fields(base, out, options)
        key = repr(sorted((name, value) for name, value in fields.items() if name not in _RUN_OWN_FIELDS))
        if key not in plans:
            plans[key] = resolve(base, out, options).config
        schedules.setdefault((plans[key].max_iter, plans[key].eval_every), (plans[key], []))[1].append(run.name)
    found = []
    for (max_iter, eval_every), (plan_config, names) in schedules.items():
        count = evaluations(plan_config)
        if count > BEST_EVALUATIONS:
            continue
        # ceil(max_iter / every) > 10 evaluations; 1 is the least there is: "or less" would be none
        every = (max_iter - 1) // BEST_EVALUATIONS
        enough = (f"give --eval-every {every}{' or less' if every > 1 else ''} for more than {BEST_EVALUATIONS}"
                  if every else f"even --eval-every 1 gives no more in {max_iter} iterations: give --max-iter "
                                f"{BEST_EVALUATIONS + 1} or more")
        found.append(f"{len(names)} run{'s' if len(names) > 1 else ''} ({some_names(names)}) "
                     f"train{'' if len(names) > 1 else 's'} "
                     f"{max_iter} iterations, evaluated every {eval_every} and at the end: {count} "
                     f"evaluation{'s' if count > 1 else ''}, no more than the "
                     f"{BEST_EVALUATIONS} best whose mean is the paper's accuracy, so the report takes the mean of "
                     f"{'all of them, the first (early in training) included' if count > 1 else 'the one'}; {enough}")
    return found


# The fields of a base that name it rather than set how it trains (its seed, file and half)
_RUN_OWN_FIELDS = ("seed", "out", "split_seed", "half")


def earlier_runs_refused(error, out):
    """The :class:`minitransfer.config.ScheduleRefused` ``error`` of a grid's base, saying what becomes of the runs
    the grid folder ``out`` holds that an earlier version (before 0.8.0, which refused no schedule) trained with
    a schedule this version refuses, and the schedules they record; None where it holds none."""
    kept = _refused_schedule_runs(out)
    if not kept:
        return None
    return config.ScheduleRefused(
        f"{error}. The runs {out} holds ({_kept_said(kept)}), which an earlier version (before 0.8.0) trained "
        f"with a schedule this version refuses, are kept, resumed and reported as they are, but this version "
        f"trains no new network with such a schedule: finish the grid with the version that began it, or train "
        f"the grid anew in another folder (-o) with a schedule this version takes")


def _refused_schedule_runs(out):
    """{schedule recorded ("`max_iter` 40, `stepsize` 1, gamma 0.1": maybe not the one asked): run folders}
    under ``out`` whose config.json records a schedule this version refuses, which only an earlier version trained;
    a run this version trained (another schedule) or unreadable is not one."""
    found = {}
    for folder in sorted(out.glob("*/*.run")):
        try:
            recorded = read_json(folder / "config.json", dict)
            fields = {name: recorded[name] for name in optim.SOLVER_FIELDS if name in recorded}
            optim.run_solver(**fields)
        except optim.ScheduleError:
            solver = optim.Solver(**fields)
            said = ", ".join(f"{name if name == 'gamma' else f'`{name}`'} {getattr(solver, name)!r}"  # no --gamma
                             for name in reversed(optim.SCHEDULE_FIELDS))
            found.setdefault(said, []).append(str(folder.relative_to(out)))
        except (UnreadableRun, ValueError, TypeError):  # no config.json, or one no solver takes: not this grid's
            pass
    return found


def _kept_said(kept):
    """The runs of :func:`_refused_schedule_runs`, three named a schedule, and the schedule they record."""
    return "; ".join(", ".join(runs[:3]) + (f" and {len(runs) - 3} more" if len(runs) > 3 else "") + f": {schedule}"
                     for schedule, runs in kept.items())
