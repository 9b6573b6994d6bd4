"""``minitransfer demo``: the paper in miniature on the built-in synthetic benchmark.

The benchmark (:mod:`minitransfer.data.synthetic`) is built so that which layers' features are
general and which are specific is known; the demo trains the paper's grid on it and the report
says what the networks show, with its uncertainty:

- three random A/B splits (the split seeds are the networks per point): baseA, baseB, and at each n
  of the plan's layers the selffer BnB and the transfers AnB and AnB+ (the GPU plan adds BnB+);
  at the lowest n also BnA; on the CPU two more splits with only their bases, AnB and BnA at
  the lowest n, BnB and AnB at the top n, and AnB+ at both;
- the natural / man-made split, three replicates: both bases and the frozen transfers both ways;
- the random-weights control on all classes, three replicates: the base and the first n layers
  random and frozen, trained for as many epochs as a half's networks (twice their iterations: all
  classes are twice a half's images).

On the CPU two training processes run side by side (one core each); ``--device cuda`` runs a larger
version (more networks per point, every n). ``seed`` reruns the whole demo with other split seeds
and training seeds. Rerunning the same command skips the finished networks.
"""

import dataclasses
import json
import os
import pathlib
import time

from minitransfer import config, config_checks, disk_space, fileio, grid_check, run_lock
from minitransfer import report as reports
from minitransfer.config_wording import option_name
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic
from minitransfer.experiment import Run, plan_grid
from minitransfer.grid_options import ALL_CLASSES, SOURCE_DATA
from minitransfer.grid_arguments import checked_devices, slots_device
from minitransfer.grid_outcome import fix_then_rerun
from minitransfer.grid_plan_file import planned_records, read_plan
from minitransfer.grid_status import TODO, is_finished, run_status
from minitransfer.grid_plan import options_of, recorded_options
from minitransfer.ops import precision as precisions
from minitransfer.scheduler import run_grid


@dataclasses.dataclass(frozen=True)
class DemoPlan:
    """One size of the demo: the n trained, the networks per point, and every network's training
    options (configuration fields)."""

    layers: tuple
    networks_per_point: int
    train: dict
    selffer_fine_tuned: bool = True  # BnB+ (no claim of the demo rests on it)
    claim_splits: int = 0            # more random splits with only what the lowest and top n's claims compare
    all_classes: dict = None         # training options that differ for the networks on all classes

    def options(self, data, device, seed):
        """Every network's training options (the grid's ``options``) for demo seed ``seed``."""
        options = dict(self.train, data=str(data), device=device, seed=seed)
        if self.all_classes:
            options[ALL_CLASSES] = dict(self.all_classes)
        return options

    @property
    def splits(self):
        """The random splits of one demo seed: networks per point + claim splits."""
        return self.networks_per_point + self.claim_splits

    def runs(self, seed):
        """The grid of this plan for demo seed ``seed``: random split seeds seed·k .. seed·k + k − 1,
        k = networks per point + claim splits; the first ones carry the whole grid, the others only
        the bases and the networks the claims about the lowest and the top n compare (the frozen
        AnB and BnA at the lowest n, BnB and AnB at the top n, AnB+ at both).

        Why: those claims rest on single networks measured against the base of their own half, and
        one split can be far from the others; a split's AnB+ at every n shares one base, so a base
        that did well pulls them all below it. Measured with this recipe and generator version 3
        on 68 random splits (the 52 of demo seeds 0-12 with the previous plan, three full splits
        and one with the frozen networks only, and 16 more of the latter): A1B and B1A against
        their bases -0.6 points, s.d. 2.1 per network, single networks down to -8.3; AnB+ +0.8,
        s.d. 2.0 (117 networks). Resampling those splits, a demo seed missed one of the five
        claims on about 8 % of seeds with one frozen-only claim split, 5 % with two that carry
        AnB+ as well, 3 % with three (which the 5-minute budget does not hold); most of it layer
        1's claim. Each such split costs eight networks. With generator version 5, in which
        every pair of classes is learnt (:mod:`minitransfer.data.synthetic` says how the earlier
        versions failed), on demo seeds 0-19 (100 splits): A1B and B1A -0.2, s.d. 1.3 per
        network, down to -4.1; AnB+ +0.8, s.d. 1.5; all five claims held on every seed, and on
        seeds 20-25, run after them; resampling the splits of seeds 0-19, about two seeds in a
        thousand would miss layer 1's or AnB+'s claim."""
        count = self.networks_per_point
        seeds = range(seed * self.splits, (seed + 1) * self.splits)
        runs = plan_grid(random_seeds=tuple(seeds[:count]), natural=True, layers=self.layers, frozen=True,
                         fine_tuned=True, random_frozen=self.layers, replicates=count, selffer=True,
                         selffer_fine_tuned=self.selffer_fine_tuned, reverse_layers=self.layers[:1],
                         claim_seeds=tuple(seeds[count:]))
        # The networks on all classes first: the longest, they would otherwise end the demo with
        # one slot idle. None of them copies from another network.
        return sorted(runs, key=lambda run: run.split != "all")


def _as_many_epochs(train, times):
    """The schedule of ``train`` (iterations, step and evaluation intervals) ``times`` as long."""
    return {name: train[name] * times for name in ("max_iter", "stepsize", "eval_every")}


# The demo's training recipe (minitransfer/data/synthetic.py gives the measurements it rests on):
# the step schedule in three equal stages (lr 0.004, 0.0004, 0.00004), so that every network spends
# the last third of its run at the final rate and settles before the metric is taken; 20
# evaluations feed the mean of the 10 best.
# The networks on all 20 classes see twice a half's images and train for twice the iterations, step
# and evaluation intervals: as many epochs. With generator version 3, at a half's 780 iterations
# their bases had not converged (mean of the 10 best 82.7 %, s.d. 2.4, two of the 57 of demo seeds
# 0-18 flagged as still rising; every one of them held the pair of classes that version never told
# apart) and at twice the iterations reached 91.3 % (s.d. 1.1). With version 5, at twice the
# iterations: 98.0 % (s.d. 0.6; the 60 of demo seeds 0-19, none flagged; their last three
# evaluations 0.03 points above the three before on average, 0.27 at most; random1 above its
# base in 4).
DEMO_TRAIN = {"preset": "micro", "max_iter": 780, "stepsize": 260, "base_lr": 0.004, "batch_size": 32,
              "eval_every": 39, "eval_batch_size": 100, "seed": 0}
CPU_PLAN = DemoPlan(layers=(1, 4, 7), networks_per_point=3, selffer_fine_tuned=False, claim_splits=2,
                    train=DEMO_TRAIN, all_classes=_as_many_epochs(DEMO_TRAIN, 2))
GPU_PLAN = DemoPlan(layers=tuple(range(1, 8)), networks_per_point=5, train=DEMO_TRAIN,
                    all_classes=CPU_PLAN.all_classes)
SPLITS_PER_SEED = max(CPU_PLAN.splits, GPU_PLAN.splits)  # a seed's random splits, on either device
# The largest demo seed: each of its plan's random split seeds must be a valid split seed.
MAX_SEED = (config_checks.MAX_SEED + 1) // SPLITS_PER_SEED - 1
CPU_SLOTS = 2  # two single-threaded training processes: both cores of a laptop
# A micro network's kernels are tiny: one training process leaves a GPU idle most of the time, so
# several share each GPU (a guess, not yet measured on a GPU; one Python process needs a core).
PROCESSES_PER_GPU = 8


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
    (what an old demo recorded, an experiment may be given), so neither is assumed (:func:`_mismatch`)."""
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


def _mismatch(out, options, error):
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


def builtin_intact(data):
    """Whether the dataset folder ``data`` is still whole (every file re-hashed against its meta.json):
    a demo whose networks failed tells a cache deleted or damaged meanwhile, which its rerun builds
    again, from a failure that needs fixing."""
    try:
        datasets.open_dataset(data).verify()
    except (datasets.DatasetError, OSError):
        return False
    return True


def run_demo(out, data, seed=0, device="cpu", devices=(None,) * CPU_SLOTS, precision=None, log=print):
    """Train the demo's grid on dataset ``data`` (the built-in benchmark) into ``out``; returns the
    :class:`minitransfer.grid_outcome.GridOutcome`. ``device`` "cuda" runs :data:`GPU_PLAN` on the
    GPU ids in ``devices`` (:data:`PROCESSES_PER_GPU` processes each), "cpu" :data:`CPU_PLAN` in the
    CPU slots of ``devices``. A folder this process cannot write, none of whose networks is
    finished (the default folder, in a read-only working folder), is a ``StorageError`` saying
    how to give the demo another. ``device`` "auto" is that of ``devices``; one they contradict
    ("cuda" with CPU slots) is a ``ConfigError`` naming both."""
    device = slots_device(device, checked_devices(devices), "`device`")
    plan = GPU_PLAN if device == "cuda" else CPU_PLAN
    if device == "cuda":
        devices = tuple(gpu for gpu in devices for _ in range(PROCESSES_PER_GPU))
    options = plan.options(data, device, seed)
    if precision is not None:
        options["precision"] = precision
    grid_check.check_not_nested(out, "this demo")
    check_not_a_grid(out, options)
    check_other_demo(out, options)
    runs = plan.runs(seed)
    try:
        return run_grid(runs, out, options, devices=devices, log=log)
    except grid_check.GridMismatch as error:  # it names train's options, which the demo sets, not its user
        raise grid_check.GridMismatch(_mismatch(out, options, error)) from None
    except fileio.StorageError as error:
        if error.errno not in fileio.UNWRITABLE or _writable(out) or any(is_finished(out, run) for run in runs):
            raise
        raise fileio.StorageError(error.errno, f"cannot write the demo's folder {out} ({os.strerror(error.errno)}): "
                                               f"run the demo from a folder this process can write, or give it one: "
                                               f"minitransfer demo -o FOLDER") from error


def _writable(out):
    """Whether this process may write in the folder ``out``, or create it: where ``out`` is not
    there, in the nearest folder above it that is (a read-only working folder: the demo's default
    folder lies in it)."""
    return os.access(disk_space.nearest_existing(out), os.W_OK)


def write_report(out, outcome):
    """(the demo's :class:`minitransfer.report.Report`, why it was not written or None): the report
    written into OUT/report (:func:`minitransfer.report.write_report`), or, in a folder this process
    cannot write (a finished demo copied read-only from a colleague, a read-only mount) where the
    grid (``outcome``) trained nothing, as :func:`minitransfer.scheduler.run_grid` wrote nothing
    there either, measured without writing, naming the files of the report that is there. Where
    networks were trained now, or no report is there to show, the report not written is a
    ``StorageError`` naming the folder and what to do."""
    folder = pathlib.Path(out) / "report"
    try:
        return _write_when_free(out), None
    except fileio.StorageError as error:
        if error.errno not in fileio.UNWRITABLE or outcome.finished or outcome.elsewhere:
            raise _report_not_written(out, error) from error
        if not (folder / "findings.md").is_file():
            raise fileio.StorageError(error.errno, f"cannot write the demo's report into {folder} "
                                                   f"({os.strerror(error.errno)}), and no report is there: every "
                                                   f"network is finished, nothing else to do; to write its report "
                                                   f"elsewhere: minitransfer report {out} -o FOLDER") from error
        why = os.strerror(error.errno)
    report = reports.measure(out)
    report.files = {name: folder / name for name in reports.REPORT_FILES if (folder / name).is_file()}
    report.figures = any(path.suffix in (".png", ".svg") for path in report.files.values())
    return report, (f"{folder} is not rewritten ({why}): the report there is as it was written, the findings "
                    f"below measured now; to write the report elsewhere: minitransfer report {out} -o FOLDER")


ALL_KEPT = "every network is finished (kept)"
REWRITE_REPORT = "rerun the same command to write the report (it trains none again)"


def _report_not_written(out, error):
    """``error``, the report of the finished demo in ``out`` not written (the folder made read-only
    or another user's meanwhile, the disk full), saying that its networks are kept and what to do:
    the error alone read as if the demo had failed."""
    return fix_then_rerun(error, f"{REWRITE_REPORT}, or write it elsewhere: minitransfer report {out} -o FOLDER",
                          kept=f"{ALL_KEPT}: ")


REPORT_WAIT_S = 60  # for another process writing OUT/report: a report's files take some 20 ms to write


def _write_when_free(out):
    """:func:`minitransfer.report.write_report` of ``out``, again while another process writes
    OUT/report (``RunBusy``), for up to :data:`REPORT_WAIT_S`: two demos started at once in one folder
    share its networks, end together and both write its report; the second was refused (exit 2) with
    every network finished."""
    deadline = time.monotonic() + REPORT_WAIT_S
    while True:
        try:
            return reports.write_report(out)
        except run_lock.RunBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
