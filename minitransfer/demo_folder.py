"""The demo's folder: its default (:func:`default_out`, one per demo seed and precision), and the folders
the demo refuses to train in before its grid starts: another seed's or precision's demo (:func:`check_other_demo`),
an experiment's grid or a report of other networks (:func:`check_not_a_grid`); a folder of a demo of another
recipe, which the grid refuses, said in the demo's words (:func:`mismatch`).
"""

import json
import pathlib

from minitransfer import config, grid_check
from minitransfer import report as reports
from minitransfer.config_wording import option_name
from minitransfer.data import synthetic
from minitransfer.experiment import Run
from minitransfer.grid_options import ALL_CLASSES, SOURCE_DATA
from minitransfer.grid_plan_file import planned_records, read_plan
from minitransfer.grid_status import TODO, run_status
from minitransfer.grid_plan import options_of, recorded_options
from minitransfer.ops import precision as precisions


def default_out(seed, precision=None):
    """The demo's folder when none is given: ``minitransfer-demo``, ``minitransfer-demo-seedS`` for
    demo seed S, ``minitransfer-demo-tf32`` for another precision than the default (every seed's and
    precision's networks share names: all/base, natural/baseA ..., and one folder's report would pool
    them)."""
    name = "minitransfer-demo" + (f"-seed{seed}" if seed else "")
    return pathlib.Path(name + (f"-{precision}" if precision not in (None, precisions.DEFAULT) else ""))


def check_other_demo(out, options):
    """Raise ``ConfigError`` when ``out`` holds, with the same recipe, the demo of another demo seed
    or of another precision (its plan's options are ``options`` but for the seed, the device and the
    precision). Another seed's networks on all classes and on the natural split have the names this
    seed's would, and the grid would refuse them naming training seeds the user never gave; another
    precision's (``demo -o OUT --precision tf32`` where ``demo -o OUT`` trained in ieee) the grid
    refused one network at a time, saying the demo sets --precision itself, which its user had just
    given. A folder where that demo trained nothing (stopped while it planned, or every network
    failed before its first checkpoint) takes this seed's and precision's plan instead, as a grid's
    folder does; any other folder is left to the grid's own checks. The plan is read, and its runs
    looked at, once for both."""
    recorded = recorded_options(out)
    if recorded is None or _recipe_changes(recorded, options):
        return
    seed = options["seed"]
    before = recorded.get("precision") or precisions.DEFAULT
    asked = options.get("precision") or precisions.DEFAULT
    if (recorded.get("seed") == seed and before == asked) or not _trained_any(out):
        return
    if recorded.get("seed") != seed:
        raise config.ConfigError(
            f"{out} holds the demo of seed {recorded['seed']}, not of seed {seed}: its networks were trained with "
            f"other options (split and training seeds) under the names seed {seed}'s would take; give seed {seed} a "
            f"folder of its own (its default: {default_out(seed, options.get('precision'))}), or delete {out} first "
            f"(what it trained is lost)")
    raise config.ConfigError(
        f"{out} holds the demo trained in precision {before}, not {asked}: to go on with it, rerun with "
        f"{option_name('precision')} {before}; to train the demo in {asked}, give it a folder of its own (its "
        f"default: {default_out(seed, asked)}), or delete {out} first (what it trained is lost)")


def check_not_a_grid(out, options):
    """Raise ``ConfigError`` when ``out`` holds the grid of an ``experiment`` (:func:`_maker`: on
    another dataset than the demo's benchmark, or on the built-in set) that has trained something, or
    the report of other networks (``minitransfer report GRID -o OUT``: its findings.md and results.csv,
    no plan): the demo's networks of the grid's names were refused as a demo "of an earlier version"
    (with advice to delete the folder, losing the experiment's work), the others trained beside its
    runs, which the folder's report pooled with the demo's; beside a report, the demo's networks read as
    those it reports."""
    reported = [name for name in reports.REPORT_FILES if (pathlib.Path(out) / name).is_file()]
    plan = read_plan(out)
    recorded = options_of(plan)
    if {"findings.md", "results.csv"} <= set(reported) and recorded is None:
        raise config.ConfigError(f"{out} holds a report ({', '.join(reported[:3])} ...) of other networks, not a "
                                 f"demo: the demo's networks beside it would read as those it reports; give this "
                                 f"demo a folder of its own (-o FOLDER)")
    data = recorded.get("data") if recorded is not None else None
    other_data = isinstance(data, str) and not synthetic.is_builtin(data) and data != str(options["data"])
    if not (other_data or _maker(plan) == "experiment") or not _trained_any(out):
        return
    on = f" (on {data})" if isinstance(data, str) else ""
    raise config.ConfigError(f"{out} is an experiment's grid{on}, not a demo's folder: the demo's networks "
                             f"cannot be trained among its runs; give this demo another folder (-o FOLDER), or "
                             f"continue the grid with `minitransfer experiment -o {out} ...` (its own options) or "
                             f"report it with `minitransfer report {out}`")


DEMO = "demo"  # who planned a demo's folder (_maker)


def _maker(plan):
    """Who planned the folder whose parsed plan is ``plan`` (None: none, or no options): :data:`DEMO` where it
    records options on all classes (no command's option: every demo's plan records them, from 2026-12-02
    on); "experiment" (``minitransfer experiment``'s grid, which records only the
    options its user gave) where it records no preset (every demo sets one) or a cross-dataset grid's
    source dataset (no demo has one); else "either": a preset alone is recorded by an experiment given
    --preset and by a demo of a version before 2026-12-02, which nothing else in the plan tells apart
    (what an old demo recorded, an experiment may be given), so neither is assumed (:func:`mismatch`)."""
    recorded = options_of(plan)
    if recorded is None:
        return None
    if ALL_CLASSES in recorded:
        return DEMO
    return "experiment" if "preset" not in recorded or SOURCE_DATA in recorded else "either"


def _trained_any(out):
    """Whether a run of the plan ``OUT/experiment.json`` holds has trained something: finished,
    interrupted with its checkpoint, or at work now."""
    for record in planned_records(out):
        try:
            if run_status(out, Run.from_json(record)).kind != TODO:
                return True
        except TypeError:  # a record edited by hand: the grid's own checks judge its run
            continue
    return False


def _recipe_changes(recorded, options):
    """How the recipe of the demo whose plan recorded the options ``recorded`` differs from that of
    ``options``: "--max-iter 780 -> 390" texts, "... on all classes" for the networks on all classes;
    [] for the same. The seed, the device and the precision tell a demo's runs apart, not its recipe;
    the built-in benchmark cached in another folder is the same benchmark."""
    now = json.loads(json.dumps(options, default=str))
    changes = []
    for name in sorted(set(recorded) | set(now)):
        before, asked = recorded.get(name), now.get(name)
        if name in ("seed", "device", "precision") or before == asked:
            continue
        if name == "data" and all(isinstance(path, str) and synthetic.is_builtin(path) for path in (before, asked)):
            continue  # a cache moved: the set is the same, and its name (its parameters' hash) says so
        if name == ALL_CLASSES:  # no option of its own: the options its networks on all classes differ in
            changes += _all_classes_changes(recorded, now)
        else:
            changes.append(f"{option_name(name)} {before!r} -> {asked!r}")
    return changes


def _all_classes_changes(recorded, now):
    """The "--max-iter 780 -> 1560 on all classes" texts of the options the networks on all classes of
    the plans that recorded ``recorded`` and ``now`` trained with: each plan's options, overridden by its
    :data:`~minitransfer.grid_options.ALL_CLASSES` (none, or not an object: the same as the others').
    Before, a plan without them read "--all-classes None -> {...}", an option no command has."""
    before, asked = ({**plan, **(plan.get(ALL_CLASSES) if isinstance(plan.get(ALL_CLASSES), dict) else {})}
                     for plan in (recorded, now))
    fields = {field for plan in (recorded, now) if isinstance(plan.get(ALL_CLASSES), dict)
              for field in plan[ALL_CLASSES]}
    return [f"{option_name(field)} {before.get(field)!r} -> {asked.get(field)!r} on all classes"
            for field in sorted(fields) if before.get(field) != asked.get(field)]


def mismatch(out, options, error):
    """The demo's words for the grid's refusal ``error`` (a :class:`~minitransfer.grid_check.GridMismatch`)
    of ``out``: where the folder's plan is a demo's of another recipe (an earlier version of
    minitransfer's, whose networks this one would all refuse), the whole folder is at fault, not the
    one network the grid names (deleting it, the next rerun named the next); the values the grid
    names after each -> are the demo's own, which its user does not set. Where the plan cannot tell a
    demo's folder from an experiment's grid (:func:`_maker`), deleting it is advised only for a demo's."""
    plan = read_plan(out)
    recorded = options_of(plan)
    changes = _recipe_changes(recorded, options) if recorded is not None else []
    if not changes or grid_check.others_at_work(out):  # another demo at work now: the grid says so
        return (f"{error}; the values after each -> are the options this demo trains with (it sets them "
                f"itself)")
    if _maker(plan) == DEMO:
        return (f"{out} holds a demo trained with other options than this version of minitransfer's demo trains "
                f"with ({'; '.join(changes)}), from an earlier version or another plan: none of its networks can be "
                f"part of this demo; give this demo a folder of its own (-o FOLDER), or delete {out} first (what it "
                f"trained is lost)")
    return (f"{out} holds networks trained with other options than this version of minitransfer's demo trains with "
            f"({'; '.join(changes)}): none of them can be part of this demo; if {out} is a demo of an earlier "
            f"version, delete it (what it trained is lost) or give this demo another folder (-o FOLDER); if it is "
            f"your experiment's grid, give this demo another folder (-o FOLDER)")
