"""The ``minitransfer experiment`` command that finishes a grid, rebuilt from the plan it wrote (experiment.json:
its options and runs, :func:`experiment_command`), for a report of the grid partly trained to print: a user who
lost the command, or whose runs' folders were deleted, has one to paste. None for runs trained by hand (no plan)
or a plan no one command makes (grids of other layers added to one folder, a plan edited by hand).
"""

import shlex

from minitransfer import config_wording, grid_options
from minitransfer.experiment import CROSS, Run, plan_grid
from minitransfer.grid_plan_file import read_plan, records_of
from minitransfer.own_presets import pasted

_NAMED_APART = ("data", grid_options.SOURCE_DATA)  # experiment's own options, not train's: said first


def experiment_command(grid, plan=None):
    """``minitransfer experiment --data DATA -o GRID ...`` (as one line for a shell, with
    ``MINITRANSFER_PRESET_SOURCES=...`` before it for a preset of the user's own, :func:`pasted`) that plans
    the runs of the plan in the folder ``grid`` (:data:`minitransfer.experiment.PLAN_FILE`) with its options: a
    rerun trains those not finished and skips the others. None where there is no plan, or where the command
    rebuilt would not plan its runs exactly (:func:`minitransfer.experiment.plan_grid` of its arguments, the
    oracle): several grids' plans in one folder, a plan edited by hand. ``plan``: the plan there, where the caller
    read it already (:func:`minitransfer.grid_plan_file.read_plan`: it is read here where None)."""
    plan = read_plan(grid) if plan is None else plan
    options = plan.get("options") if isinstance(plan, dict) else None
    try:
        runs = [Run.from_json(record) for record in records_of(plan)]
        planned = _planning(runs)
        if not runs or not isinstance(options, dict) or planned is None \
                or {run.name for run in plan_grid(**planned)} != {run.name for run in runs}:
            return None
        arguments = _experiment_arguments(planned, options)
    except (TypeError, ValueError):  # a record or an option edited by hand: no command plans it
        return None
    command = ["experiment", *_data_arguments(options), "-o", str(grid), *arguments]
    preset = options.get("preset")
    return pasted(shlex.join(command), preset if isinstance(preset, str) else None)


def _planning(runs):
    """The arguments of :func:`minitransfer.experiment.plan_grid` that the command line gives it
    (``minitransfer experiment``'s), read from ``runs``; None where the command line gives none that plans them
    (no transfer or selffer, whose layers it would take as the preset's)."""
    copied = [run for run in runs if run.kind in ("transfer", "selffer")]
    if not copied:
        return None
    others = [run.split_seed for run in runs if run.split != "random" and run.split_seed is not None]
    seeds = tuple(sorted({run.split_seed for run in runs if run.split == "random"}))
    cross = any(run.split == CROSS for run in runs)
    return dict(random_seeds=seeds, natural=any(run.split == "natural" for run in runs),
                layers=tuple(sorted({run.n for run in copied})),
                both_directions=any(run.split == "random" and run.target == "A" for run in copied),
                # the command line's default, where --no-fine-tuned may not be given (no random split, no cross)
                fine_tuned=any(run.fine_tuned for run in runs) or not (seeds or cross),
                random_frozen=tuple(sorted({run.n for run in runs if run.kind == "random-frozen"})),
                per_class=tuple(sorted({run.per_class for run in runs if run.kind == "reduced"})),
                cross=cross, replicates=max(others, default=0) + 1)


def _experiment_arguments(planned, options):
    """The arguments of ``minitransfer experiment`` after -o that plan as ``planned`` (:func:`_planning`) with the
    training ``options`` of the plan (their defaults left out, as the grid recorded them)."""
    splits = [split for split, asked in (("random", planned["random_seeds"]), ("natural", planned["natural"]))
              if asked]
    # the command line's default: the random split, none with --source-data (a random one beside it named)
    default = ["random"] if not planned["cross"] else []
    trained = {name: value for name, value in options.items() if name not in _NAMED_APART}
    return grid_arguments(splits if splits != default else (),
                          planned["random_seeds"] if planned["random_seeds"] != (0,) else (), planned["layers"],
                          both_directions=planned["both_directions"], fine_tuned=planned["fine_tuned"],
                          random_frozen=planned["random_frozen"], per_class=planned["per_class"],
                          replicates=planned["replicates"] if planned["replicates"] > 1 else None,
                          options=trained)  # a field train has not: ValueError


def grid_arguments(splits, split_seeds, layers, *, both_directions=False, fine_tuned=True, random_frozen=(),
                   per_class=(), replicates=None, options=None):
    """The arguments of ``minitransfer experiment`` after -o that plan a grid of the ``splits`` ("random",
    "natural"), random ``split_seeds`` and ``layers`` (the n copied), both halves' transfers where
    ``both_directions``, without fine-tuned ones where not ``fine_tuned``, random-weights controls at
    ``random_frozen``, reduced-data runs of ``per_class`` images, ``replicates`` (None: not said) and the
    training ``options`` (TrainConfig fields, :func:`minitransfer.config_wording.command_line`: a field train has
    not is a ValueError), in the order the command's help lists them; what is empty or the default is left out.
    The command that finishes a grid (:func:`experiment_command`) and the demo's advice, a grid like its own
    (``minitransfer.cli.demo``), each turn a plan back into these."""
    words = [word for split in splits for word in ("--split", split)]
    words += [word for seed in split_seeds for word in ("--split-seed", str(seed))]
    words += ["--layers", ",".join(map(str, layers))]
    words += ["--both-directions"] * bool(both_directions)
    words += ["--no-fine-tuned"] * (not fine_tuned)  # only where it may be given: _planning
    for flag, values in (("--random-frozen", random_frozen), ("--per-class", per_class)):
        if values:
            words += [flag, ",".join(map(str, values))]
    if replicates is not None:
        words += ["--replicates", str(replicates)]
    return words + config_wording.command_line(options or {})


def _data_arguments(options):
    """--data and --source-data of the plan's ``options`` (the folders' paths as the grid resolved them)."""
    return [word for name in _NAMED_APART if isinstance(options.get(name), str)
            for word in (config_wording.option_name(name), options[name])]
