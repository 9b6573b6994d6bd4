"""``minitransfer demo``: the paper's experiment in miniature on the built-in synthetic benchmark."""

import contextlib
import os
import pathlib
import re
import shlex
import sys
import time

import click
from click.core import ParameterSource

from minitransfer import demo as demos
from minitransfer import config_checks, demo_folder, fileio, grid_folder, report_folder, stopping
from minitransfer.config_wording import command_line, option_name
from minitransfer.data import shard_format, synthetic
from minitransfer.finish_command import grid_arguments
from minitransfer.ops import precision as precisions

from ._devices import choose_devices
from ._errors import run
from ._grid_end import grid_log, outcome_of, told_where_it_stopped
from ._options import PRECISION_HELP, Seed, device_option
from ._output import drop_output_if_reader_gone, echo, say
from ._paths import OutputFolder
from .experiment import experiment as experiment_command
from .report import UNFINISHED_SHOWN, show, stopped_whole


@click.command()
@click.option("-o", "--out", type=OutputFolder(path_type=pathlib.Path), default=None,
              help="Folder for the runs and the report (default: minitransfer-demo; minitransfer-demo-seedS with "
                   "--seed S, minitransfer-demo-tf32 with --precision tf32 ...).")
@click.option("--seed", type=Seed(demos.MAX_SEED), default=0, show_default=True,
              help="Rerun the whole demo with other split and training seeds: seed S trains the random splits of "
                   "split seeds S*k to S*k+k-1 (k, the demo's splits per seed: "
                   f"{demos.SPLITS_PER_SEED}), hence its bound, which keeps them within "
                   f"the split seeds' 0..{config_checks.MAX_SEED}.")
@device_option
@click.option("--precision", type=click.Choice(precisions.PRECISIONS), default=precisions.DEFAULT,
              show_default=True, help=PRECISION_HELP)
def demo(out, seed, device, precision):
    """Run the paper's experiment in miniature and say what it shows.

    Builds the built-in synthetic benchmark (cached in $MINITRANSFER_CACHE, default
    ~/.cache/minitransfer; built again if deleted or damaged), whose classes are built so that low
    layers are general and top layers specific, then trains the paper's grid on it (the networks are
    named as in `minitransfer experiment --help`). On the CPU, 88 micro networks, two at a time: three
    random A/B splits (bases, BnB, AnB, AnB+ at n = 1, 4 and 7; BnA at n = 1), two more with only
    what the claims about n = 1 and n = 7 compare, the natural / man-made split both ways and the
    random-weights control on all classes, three to five networks per point. On a GPU (where CuPy sees one,
    or --device cuda) a larger plan: 275 networks, five per point, every n, several processes per GPU
    (not yet run on a GPU). Writes the runs into OUT and the report (results, Table 1, findings, Figures 2-3, learning
    curves) into OUT/report, and prints the findings with their uncertainty. To continue after an
    interruption, rerun the same command: it skips the finished networks; on a finished demo that
    cannot be written (read-only) it shows the report there, writing nothing. Networks that failed
    are told once per cause at the end (exit code, the log to read, what to do).

    Exit code 0: every network finished, its report written (or shown, OUT read-only); 75:
    interrupted, rerun to go on (a stop heard as the report replaces the earlier one is answered
    once it is whole: said so, exit code 0, nothing left to do); 74: every network that failed met
    an I/O error (a full disk, a file that cannot be written or read: free space or fix the
    permissions, then rerun), the benchmark cannot be cached, or OUT cannot be written and holds no
    report; 65: every network that failed met bad data, or a finished network's result.json is lost
    (its checkpoint gone: not trained again, said at the end); 2: usage (e.g. OUT holds what another
    seed's demo trained, an experiment's grid or a report, or --device cuda where no GPU is usable);
    1: other failed networks (or of several causes); 141: the reader of its output went away (|
    head), which stops it: rerun the same command to go on.

    \b
    Examples:
      minitransfer demo                           # takes minutes (about 2-5 on 2 CPU cores)
      minitransfer demo --seed 1                  # takes minutes: other splits and seeds
      minitransfer demo -o my-demo --device cpu   # takes minutes
    """
    started = time.monotonic()
    if click.get_current_context().get_parameter_source("precision") is ParameterSource.DEFAULT:
        precision = None  # left out: no option in the grid's plan, as before the default was shown
    if out is not None:  # named as given, before the benchmark is built (the demo's grid refuses it resolved)
        run(lambda: grid_folder.check_outside_run_dirs(out, example="demo"))
        run(lambda: grid_folder.check_not_a_report(out, example="demo"))
    out = (out or demo_folder.default_out(seed, precision)).resolve()
    devices = run(lambda: choose_devices(device))  # a usage error before the benchmark is built and cached
    _first_line(_benchmark_line())
    data = run(synthetic.builtin_dataset, interrupted="stopped while building the built-in benchmark (a build "
                                                      "stopped leaves nothing); rerun the same command to build it")
    on_gpu = devices != (None,)
    plan, plan_device = (demos.GPU_PLAN, "cuda") if on_gpu else (demos.CPU_PLAN, "cpu")

    def train():
        with told_where_it_stopped(out, whole="the demo", runs="networks", reader_gone_words=_reader_gone):
            return outcome_of(lambda: demos.run_demo(out, data, seed=seed, device=plan_device, precision=precision,
                                                     devices=devices if on_gpu else (None,) * demos.CPU_SLOTS,
                                                     log=grid_log))

    outcome = run(train)
    if outcome.exit_code != 0:
        unfinished = _unfinished(outcome, data_intact=outcome.interrupted or demos.builtin_intact(data))
        say(unfinished)
        advice = _advice_for([unfinished], plan, seed, plan_device, precision, rerun=RERUN_TRAINS_FAILED)
        if advice:  # a network that diverged: "a lower --base-lr", which the demo does not take
            say(advice)
        drop_output_if_reader_gone()
        sys.exit(outcome.exit_code)
    written = run(lambda: _report(out, outcome, started), interrupted=(
        f"stopped while writing the report into {out / 'report'}; {demos.ALL_KEPT}: {demos.REWRITE_REPORT}"))
    if isinstance(written, report_folder.WrittenWhole):  # the last step done: nothing to rerun (exit code 0)
        stopped_whole(written.out_dir)  # the stops that follow ignored from here, the trained line too
        echo(_trained(outcome, None, time.monotonic() - started))
        return
    written, not_written = written
    echo(_trained(outcome, written, time.monotonic() - started))
    if not_written:
        echo(not_written)
    show(written, out)
    advice = _advice_for_the_demo(written, plan, seed, plan_device, precision)
    if advice:
        echo(advice)


# An option a text names: not part of a word or a path ("--max-iter", not "my--demo" or "a/--b")
OPTION = re.compile(r"(?<![\w=/-])--[a-z][\w-]*[a-z0-9]")


def _advice_for_the_demo(written, plan, seed, device, precision):
    """Where the findings and warnings the demo printed (``written``'s) advise options (train longer:
    --max-iter; experiment --replicates), none of which the demo takes: what its user can do, a
    line after them: the grid's options as ``minitransfer experiment``'s, with the command of a grid
    like the demo's (``plan`` at demo seed ``seed``: its splits, n, controls and training recipe) on
    the same built-in benchmark (experiment's default data), to change or add them in; the others
    (prepare's --val-per-class, train's --overwrite) as for data or runs of one's own. None
    where no option is advised."""
    texts = [finding.text for finding in written.findings] + written.brief_warnings(UNFINISHED_SHOWN)
    return _advice_for(texts, plan, seed, device, precision)


RERUN_TRAINS_NONE = "a rerun trains none again"  # a finished demo's
RERUN_TRAINS_FAILED = "a rerun trains its failed networks again with it"  # a demo whose networks failed


def _advice_for(texts, plan, seed, device, precision, rerun=RERUN_TRAINS_NONE):
    """:func:`_advice_for_the_demo` of the lines ``texts`` the demo printed: its findings and
    warnings, or why it did not finish (a network that diverged: "train the grid again ... with a
    lower --base-lr", which a demo rerun, taking no --base-lr, would diverge again); ``rerun``: what
    a rerun of the demo would train."""
    own = _option_names(demo)
    advised = [name for name in dict.fromkeys(OPTION.findall("\n".join(texts))) if name not in own]
    if not advised:
        return None
    grids = _option_names(experiment_command)
    theirs, others = [name for name in advised if name in grids], [name for name in advised if name not in grids]
    told = [f"  the demo takes none of the options advised above ({', '.join(advised)}): it trains one recipe on "
            f"its built-in benchmark, and {rerun}"]
    if theirs:
        told[0] += (f"; {', '.join(theirs)} {'are' if len(theirs) > 1 else 'is'} `minitransfer experiment`'s: to "
                    f"train a grid like the demo's with {'them' if len(theirs) > 1 else 'it'}, on the same "
                    f"benchmark, in a folder of its own, change or add {'them' if len(theirs) > 1 else 'it'} in:")
        told.append("    " + shlex.join(["minitransfer", "experiment", "-o", "FOLDER",
                                         *_experiment_arguments(plan, seed, device, precision, grids)]))
        if plan.all_classes:
            told.append(_all_classes_apart(plan))
    if others:
        told.append(f"  {', '.join(others)}: for data or runs of your own (the commands the advice names), not the "
                    f"demo's benchmark")
    return "\n".join(told)


def _option_names(command):
    """Every name ``command``'s options go by (both sides of a flag pair: --frozen, --fine-tune)."""
    return {name for parameter in command.params for name in (*parameter.opts, *parameter.secondary_opts)}


def _experiment_arguments(plan, seed, device, precision, grids):
    """The ``minitransfer experiment`` arguments of a grid like demo seed ``seed``'s of ``plan`` on
    ``device``: its random splits and the natural one, its n, random-weights controls, replicates
    and training recipe (the options among ``grids``, experiment's; not --eval-batch-size, which
    changes no accuracy). One experiment cannot ask for the rest: the claim splits, BnA of the random
    splits, the networks on all classes trained twice as long (:func:`_all_classes_apart` says so)."""
    count = plan.networks_per_point
    recipe = {name: value for name, value in {**plan.train, "seed": seed, "precision": precision}.items()
              if option_name(name) in grids}
    return grid_arguments(("random", "natural"), range(seed * plan.splits, seed * plan.splits + count), plan.layers,
                          random_frozen=plan.layers, replicates=count, options={**recipe, "device": device})


def _all_classes_apart(plan):
    """The line that says where :func:`_experiment_arguments`' grid differs from the demo's
    ``plan`` in its networks on all classes (all/): the demo trained them with ``plan.all_classes``,
    one experiment trains every network it plans with the same options."""
    ours = shlex.join(command_line({name: plan.train.get(name) for name in plan.all_classes}))
    return (f"  but it trains its networks on all classes (all/) as the others ({ours or 'the defaults'}), where "
            f"the demo trained them with {shlex.join(command_line(plan.all_classes))}: one experiment trains all "
            f"its networks with the same options, and cannot plan those alone")


def _report(out, outcome, started):
    """:func:`minitransfer.demo.write_report` of the demo that has trained (``outcome``, since
    ``started``); a report that cannot be written (the folder made read-only meanwhile, a full disk)
    is told after the line of what the demo trained, which the error alone lost. A stop signal heard as the
    report's files replaced the earlier report's is returned once they did (the
    :class:`minitransfer.report_folder.WrittenWhole` raised), which :func:`demo` says, exit code 0."""
    try:
        return demos.write_report(out, outcome)
    except report_folder.WrittenWhole as stopped:  # a stop as it replaced the earlier report, once it is whole
        return stopped
    except fileio.StorageError:
        with contextlib.suppress(OSError):  # said on stderr where stdout failed: the error is what to tell now
            echo(_trained(outcome, None, time.monotonic() - started))
        raise


def _trained(outcome, report, seconds):
    """The line that times the demo: "88 networks in 248 s" when this command trained them all; a
    rerun names the networks it found finished, whose time is not in its seconds. The networks of
    ``outcome`` are this demo's plan's; those of an earlier plan the folder holds (a demo of an
    earlier version, or the larger GPU plan before a CPU rerun), which the grid left alone and the
    ``report`` reads too, are counted apart: they were neither trained now nor part of this demo
    (None: no report was written, and none is counted)."""
    ours = {*outcome.finished, *outcome.skipped, *outcome.elsewhere}
    earlier = sum(result.run.name not in ours for result in report.results) if report is not None else 0
    if not outcome.skipped and not outcome.elsewhere:
        line = f"{len(ours)} networks in {seconds:.0f} s"
    else:
        trained = f"{len(outcome.finished)} trained in {seconds:.0f} s" if outcome.finished else "none left to train"
        before = f", {len(outcome.skipped)} finished before" if outcome.skipped else ""
        elsewhere = f", {len(outcome.elsewhere)} by another process meanwhile" if outcome.elsewhere else ""
        line = f"{len(ours)} networks: {trained}{before}{elsewhere}"
    if earlier:
        them = "them" if earlier > 1 else "it"
        line += f"; and {earlier} of an earlier plan, left alone (the report reads {them} too)"
    return line


GO_ON = "rerun the same command to go on (finished networks are kept)"  # a demo stopped short


def _unfinished(outcome, data_intact=True):
    """Why the demo stopped short, and what to do: an interruption and a built-in benchmark deleted
    or damaged meanwhile (``data_intact`` false) are rerun as they are; failed networks are told
    once per cause (:meth:`minitransfer.grid_outcome.GridOutcome.causes`: 88 networks on a full disk
    are one line, not 88 pointers to their logs)."""
    rerun = "rerun the same command (finished networks are kept)"
    if outcome.interrupted:
        return f"the demo was interrupted; {GO_ON}{_training_elsewhere(outcome)}"
    failed, blocked = len(outcome.failed), len(outcome.blocked)
    stopped = f"{failed} network{'s' if failed != 1 else ''} failed" + (
        f" and {blocked} that need {'them' if failed != 1 else 'it'} were not run" if blocked else "")
    if not data_intact:
        return (f"the demo did not finish: {stopped}: the built-in benchmark was deleted or damaged while it ran; "
                f"{rerun}: it builds the benchmark again")
    if not failed:  # their parents did not finish here: trained elsewhere, stopped unfinished
        return f"the demo did not finish: {stopped}; {rerun}"
    return "\n".join([f"the demo did not finish: {stopped} (finished networks are kept):",
                      *(f"  {cause}" for cause in outcome.causes())])


READER_GONE = f"the demo stopped: the reader of its output went away (| head); {GO_ON}"


def _reader_gone(outcome):
    """What the demo says on stderr where the reader of its output went away midway (``demo |
    head``), stopping it (exit 141): how to go on, in its words, not the grid's summary (which named
    ``minitransfer report OUT``, a report of unfinished networks)."""
    return f"{READER_GONE}{_training_elsewhere(outcome)}"


def _benchmark_line():
    """The demo's first line: "preparing the built-in synthetic benchmark ..." where it is built now, "the
    built-in synthetic benchmark (cached)" where an earlier demo built it (a rerun builds nothing; a cached copy
    found damaged, which :func:`minitransfer.data.synthetic.builtin_dataset` builds again, takes seconds). A cache
    folder that cannot be named (HOME unknown) is said by the build that follows."""
    try:
        cached = os.path.isfile(synthetic.builtin_path() / shard_format.META_FILE)
    except fileio.StorageError:
        cached = False
    return "the built-in synthetic benchmark (cached)" if cached else "preparing the built-in synthetic benchmark ..."


def _first_line(line):
    """``echo(line)``, the demo's first; where its reader has gone already (``demo | true``: exit 141
    before anything started), :data:`READER_GONE` said on stderr first, as where it goes midway."""
    try:
        echo(line)
    except OSError as error:
        if stopping.reader_gone(error):
            say(READER_GONE)
        raise


def _training_elsewhere(outcome):
    """How an interrupted demo's line ends where another process (a second demo on the folder) still
    trains some of its networks, as the grid's summary counts them: "; 2 networks still training in
    another process, left to it (a rerun waits for them)"; "" for none."""
    count = len(outcome.training_elsewhere)
    if not count:
        return ""
    them = "them" if count != 1 else "it"
    return (f"; {count} network{'s' if count != 1 else ''} still training in another process, left to it (a rerun "
            f"waits for {them})")
