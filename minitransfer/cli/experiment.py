"""``minitransfer experiment``: plan and run the paper's grid of networks (or write SLURM scripts)."""

import pathlib
import shlex
import sys

import click

from minitransfer import experiment as grid
from minitransfer import (config, config_checks, grid_arguments, grid_caveats, grid_check, grid_cost, grid_folder,
                          grid_options, grid_preflight, grid_status, models, optim, scheduler, slurm)
from minitransfer.slurm_time import carried_over
from minitransfer.data import dataset, synthetic

from ._devices import GpuIds, choose_devices
from ._errors import option_text, run
from ._experiment_dry_run import show_dry_run
from ._numbers import Whole
from ._grid_end import grid_log, outcome_of, tell_summary, told_where_it_stopped
from ._options import SEED, HelpFilled, changed_fields, data_option, device_option, grid_train_options, per_class_counts
from ._output import drop_output_if_reader_gone, echo, say
from ._paths import DatasetFolder, OutputFolder
from ._slurm_options import check_sbatch_options, check_sbatch_value, check_time_limit


# --replicates: a grid of 1000 networks a point is more than a study trains; 10**30 (a slip) planned
# networks until the memory ran out, taking the machine's with it
MAX_REPLICATES = 1000


def _every_copyable_layer():
    """--layers' default, every layer the preset in use copies, as its help says it: "1-7" where every
    preset copies as many, else each count with its presets ("1-7 for caffenet, mini, micro; 1-2 for toy")."""
    presets = {}
    for name, preset in models.PRESETS.items():
        presets.setdefault(preset.copyable, []).append(name)
    if len(presets) == 1:
        return f"1-{next(iter(presets))}"
    return "; ".join(f"1-{count} for {', '.join(names)}" for count, names in presets.items())


class _HelpFromPresets(HelpFilled):
    """A help whose fields ``{copyable}`` (n's range, as train's --n says it) and ``{every_layer}`` (--layers'
    default) are filled in from the presets each time it is read."""

    help_fields = {"{copyable}": config_checks.copyable_range, "{every_layer}": _every_copyable_layer}


class _ExperimentCommand(_HelpFromPresets, click.Command):
    """The experiment command, its help filled in from the presets."""


class _OptionFromPresets(_HelpFromPresets, click.Option):
    """An option whose help is filled in from the presets."""


@click.command(cls=_ExperimentCommand, short_help="Run the paper's grid of networks here, or as SLURM job arrays.")
@data_option()
@click.option("-o", "--out", type=OutputFolder(path_type=pathlib.Path), required=True,
              help="Grid directory, the folder this command trains the networks into: OUT/<split>/<network>.h5 "
                   "(e.g. grid/random0/A3B.h5), each with its run directory <network>.run beside it; the grid's "
                   "plan in OUT/experiment.json.")
@click.option("--split", "splits", type=click.Choice(grid.SPLITS), multiple=True, default=("random",),
              show_default=True, help="Splits to run (repeat for both): random A/B halves, natural/man-made.")
@click.option("--source-data", type=DatasetFolder(), default=None,
              help="Transfer across datasets: train the bases on every class of this dataset (other classes than "
                   "--data's) and transfer their first n layers to --data (runs cross/baseS, cross/baseT, "
                   "cross/SnT(+), cross/TnT(+)); the "
                   "random split is then planned only if --split asks for it.")
@click.option("--split-seed", "split_seeds", type=SEED, multiple=True, default=(0,), show_default=True,
              help="Random split seeds (repeat: --split-seed 0 --split-seed 1 ...): each another draw of the halves, "
                   "its networks in OUT/randomS/, the replicates of each point.")
@click.option("--layers", cls=_OptionFromPresets, default=None, metavar="N-N|N,N",
              help="The n to run: copied layers, e.g. 1-7 or 1,3,5, up to the preset's copyable layers (default: "
                   "all of them, {every_layer}).")
@click.option("--both-directions", is_flag=True,
              help="Also the other direction, onto half A: the transfers BnA(+) and the selffers AnA(+) (random "
                   "splits).")
@click.option("--fine-tuned/--no-fine-tuned", default=True, show_default=True,
              help="Plan the BnB+ / AnB+ runs, trained as train --fine-tune (random split, --source-data; the "
                   "natural split's are frozen).")
@click.option("--random-frozen", default="", metavar="N-N|N,N",
              help="Random-weights control (the paper's Section 4.3) for these n, e.g. 1-7 or 1,3,5: the first n "
                   "layers random and frozen, trained on all classes (OUT/all/randomn), beside a base on all "
                   "classes (OUT/all/base) (default: none).")
@click.option("--per-class", callback=per_class_counts, default="", metavar="N,N",
              help="Reduced-data runs (the paper's Figure S1): bases on all classes with N training images per "
                   "class, for these N, comma-separated (e.g. 10,100,1000; OUT/all/reduced-0010 for 10; default: "
                   "none); the report draws them as figure_s1. A count above every class's training images keeps "
                   "them all (a note says so); "
                   "two counts that each keep them all, the same network twice, are refused.")
@click.option("--replicates", type=Whole(1, MAX_REPLICATES), default=1, show_default=True,
              help="Networks per point for the natural split, the all-classes controls and --source-data, "
                   "each with its own base and seed, in folders of their own beside the first's: OUT/natural-1/, "
                   "OUT/all-1/, OUT/cross-1/, ... (a random split's replicates are its --split-seed values).")
@grid_train_options
@device_option
@click.option("--gpus", type=GpuIds(), default=None,
              help="GPUs to use, one network at a time on each, e.g. 0,1,2,3 (default: all visible); numbered as "
                   "CUDA numbers them: where CUDA_VISIBLE_DEVICES is set (a SLURM job's 2,3), 0 is its first. "
                   "Repeat an id to train several networks at once on that GPU, e.g. 0,0,1,1. A GPU on which two "
                   "runs fail one after the other is retired, its runs tried once more on the others.")
@click.option("--dry-run", is_flag=True,
              help="Print the plan, what a run does with each network (done, todo, resume at iteration K), and "
                   "the train commands; run nothing and write nothing in OUT, but refuse what the grid would "
                   "refuse (an OUT that cannot be written: exit 74). Without --data it builds the built-in set "
                   "into the cache on first use.")
@click.option("--emit-slurm", type=OutputFolder(path_type=pathlib.Path), default=None,
              help="Write SLURM job-array scripts and submit.sh to this folder instead of running (its other "
                   "files are kept; a submit.sh, bases.sh or transfers.sh of your own is refused, not replaced). "
                   "Their tasks, and submit.sh, train and submit nothing (exit 2) once OUT is planned again with "
                   "other options; a task leaves a finished run to train, which refuses one trained otherwise, and "
                   "waits for a run another process trains (a second submission, a local experiment on OUT), "
                   "holding its GPU idle meanwhile. It says what the scripts submit (arrays, tasks, #SBATCH lines, "
                   "logs): the preview off the cluster. On a login node of the cluster, `bash DIR/submit.sh "
                   "--dry-run` prints the sbatch commands it would run now, queueing nothing; it asks SLURM (squeue, "
                   "scontrol, a test submission): where squeue is installed but reaches no cluster, it prints only "
                   "that squeue failed and exits 1.")
@click.option("--gres", default=None, callback=check_sbatch_value,
              help="--emit-slurm: generic resources per run (default: gpu:1, none with --device cpu).")
@click.option("--partition", default=None, callback=check_sbatch_value,
              help="--emit-slurm: the partition to submit to (default: none asked, the cluster's default "
                   "partition).")
@click.option("--time", "time_limit", callback=check_time_limit, default=None,
              help="--emit-slurm: time limit per run as sbatch takes it, e.g. 2-00:00:00, 90 (minutes), or 0 / "
                   "UNLIMITED for none (default: none asked, the partition's applies); the training checkpoints "
                   "before the limit and is requeued: SLURM sends it SIGTERM a fifth of the limit before it, at "
                   "most 5 minutes; a limit under 5 minutes is refused.")
@click.option("--sbatch-option", "sbatch_options", multiple=True, callback=check_sbatch_options,
              help="Extra #SBATCH line for --emit-slurm (repeat), e.g. --sbatch-option=--account=lab. A time limit "
                   "or a signal is refused there: the scripts set both themselves, the limit from --time.")
@click.pass_context
def experiment(ctx, data, out, splits, source_data, split_seeds, layers, both_directions, fine_tuned, random_frozen,
               per_class, replicates, device, gpus, dry_run, emit_slurm, gres, partition, time_limit, sbatch_options,
               **train_options):
    """Run the paper's grid: baseA/baseB, then BnB, AnB, BnB+, AnB+ for each n.

    \b
    The networks (the paper's Figure 1):
      baseA, baseB  trained from scratch on half A or half B of the classes
      AnB           transfer: baseA's first n layers copied and frozen, the layers
                    above trained anew on half B
      BnB           selffer: the same from baseB onto its own half B (AnB's
                    control)
      AnB+, BnB+    the same with the copied layers fine-tuned: every layer learns
      BnA           transfer the other way: baseB's layers onto half A (the
                    natural split plans it; a random split with --both-directions,
                    BnA+ too unless --no-fine-tuned)
      AnA           selffer onto half A, the control for BnA (--both-directions;
                    AnA+ too unless --no-fine-tuned)
      randomn       --random-frozen: the first n layers random (untrained) and
                    frozen, trained on all classes
      reduced-N     --per-class: trained on all classes with N training images
                    each (reduced data)

    In a name, n counts the first n weight layers (n = {copyable}, from conv1 up) copied, or left
    random: n = 3 makes A3B, B3B+, random3 ...

    A random split (--split-seed S, its networks in OUT/randomS/) draws half the classes at random for
    A (the floor of half: 9 classes give A 4), the rest for B: similar tasks; the natural split
    (OUT/natural/) is natural / man-made: dissimilar ones. Without --data the grid runs on the
    built-in synthetic set: micro networks, seconds to a minute or two each on a CPU, 30 in the
    default plan. A caffenet network (ImageNet) takes hours on a GPU and months on a CPU: look at
    the plan with --dry-run first.

    Each network is an ordinary `minitransfer train` run: weights OUT/<name>.h5, run files in
    OUT/<name>.run/ (e.g. OUT/random0/A3B+.h5), its output in OUT/<name>.run/train.log (its warnings
    shown here too, each text once). The grid's course and results go to stdout, its notes and warnings,
    and its runs', to stderr: `minitransfer experiment ... 2>&1 | tee grid.log` keeps both in grid.log
    (a run's own warnings stay in its train.log). Runs that would evaluate 10 times or fewer
    (--max-iter, --eval-every), whose accuracy the report then takes as the mean of them all, the first
    included, rather than of the 10 best of more, are warned about before anything runs. Transfers start
    once their base has finished; where its weights file cannot be read (cut short, corrupt), the first
    transfer from it fails (exit 65) and the others from it are not run. After each run the grid says how
    many are left and, from the pace of the runs it has trained, about how long they take and when it
    ends; every 30 s, how far each running run has got ("random0/baseA: iteration 600/2000, 40 s
    left"), in a file or a pipe too.

    To continue after a crash, Ctrl-C, SIGTERM or a closed terminal (SIGHUP; under nohup the grid
    trains on), rerun the same command: finished runs are skipped and interrupted ones resumed from
    their checkpoints. Once every run has finished it writes nothing, so it also runs on a read-only
    copy of OUT (with runs left there: exit code 74), except that an experiment.json that no longer
    holds the grid's plan (edited, emptied, deleted) is written again, as a note says. More seeds, layers or
    treatments may be added to OUT later with the same training options: runs OUT holds that were
    trained with other ones
    (--max-iter, --precision, ...), which its report would pool with the new ones, stop the grid
    before anything runs (exit code 2); rerun with fewer of them, the grid leaves the runs of OUT it
    does not plan as they are, and says which and how each stands (finished, interrupted, failed,
    not started). Two experiments may work on OUT at once (e.g. other --split-seed values, or one per
    machine on a shared disk): they plan one after the other and share out the runs, each trained
    once; one started with other training options while another works there is refused the same way.
    At its end the grid says why its runs failed, once per cause (exit code, the log to read, what to
    do), then `minitransfer report OUT` draws the paper's tables and figures.

    Exit codes: 0: every run finished; 75: interrupted (SIGINT, SIGTERM, SIGHUP), rerun to go on; 74:
    every run that failed met an I/O error (a full disk, a file that cannot be written or read: free
    space or fix the permissions, then rerun); 65: every run that failed met bad data, or a finished
    run's result.json is lost (its checkpoint gone: not trained, said at the end), or the dataset
    OUT's runs trained on was prepared again in its folder since (refused before anything runs: give
    the dataset they trained on); 2: usage (also: OUT holds runs trained with other options, --device
    cuda where no GPU is usable); 1:
    other failed runs (or of several causes), or the runs trained at once (--gpus) would together
    need more memory than is available; 141: the reader of its output went away (| head), which
    stops it: rerun the same command to go on.

    Begin with the first three examples: a small grid on the built-in set (6 networks, a few minutes on
    a CPU) and its report. Lines marked "# your data" need a dataset folder made once with `minitransfer
    prepare` (imagenet below; `minitransfer prepare --help` lists its importers).

    \b
    Examples:
      minitransfer experiment -o grid --layers 3 --dry-run        # the plan, on the built-in set
      minitransfer experiment -o grid --layers 3 --device cpu     # train it
      minitransfer report grid                                    # its tables and figures
      minitransfer experiment -o grid --layers 3 --device cpu --emit-slurm slurm/ --time 4:00:00
      bash slurm/submit.sh                                        # on the cluster: sbatch its arrays
      minitransfer prepare imagenet ILSVRC2012 imagenet --devkit ILSVRC2012_devkit_t12  # your data
      minitransfer experiment --data imagenet -o grid --split-seed 0 --split-seed 1    # your data
      minitransfer experiment --data imagenet -o grid --split natural --dry-run        # your data
      minitransfer experiment --data imagenet -o grid --random-frozen 1-7 --emit-slurm s/  # your data
      minitransfer experiment --source-data imagenet --data photos -o cross --layers 1,4,7 # your data
    """
    data = pathlib.Path(data) if data is not None else run(_builtin_data)
    preset = run(lambda: _preset_of(train_options["preset"], data))
    layers_text, random_frozen_text = layers, random_frozen
    layers = preset.layers if layers is None else _parse_layers(layers, preset, "--layers")
    random_frozen = _parse_layers(random_frozen, preset, "--random-frozen")
    if source_data and ctx.get_parameter_source("splits") == click.core.ParameterSource.DEFAULT:
        splits = ()
    if replicates > 1 and not ("natural" in splits or random_frozen or per_class or source_data):
        raise click.BadParameter("applies to the natural split, the all-classes controls (--random-frozen, "
                                 "--per-class) and --source-data; a random split's replicates are its --split-seed "
                                 "values",
                                 param_hint="--replicates")
    for name, option in (("split_seeds", "--split-seed"), ("both_directions", "--both-directions")):
        if "random" not in splits and ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT:
            both = "; the natural split plans both directions already (AnB and BnA)" \
                if name == "both_directions" and "natural" in splits else ""
            raise click.BadParameter(f"applies to the random split, which is not planned: add --split random{both}",
                                     param_hint=option)
    if fine_tuned and not ("random" in splits or source_data) \
            and ctx.get_parameter_source("fine_tuned") != click.core.ParameterSource.DEFAULT:
        raise click.BadParameter("the natural split plans frozen transfers only (AnB, BnA: Figure 3), the controls "
                                 "on all classes none: fine-tuned ones are planned for the random split (add --split "
                                 "random) and --source-data", param_hint="--fine-tuned")
    repeated = grid_arguments.repeated_option([
        ("--split", "split", splits), ("--split-seed", "split seed", split_seeds),
        ("--layers", "n", _given_layers(layers_text, preset), layers_text),
        ("--random-frozen", "n", _given_layers(random_frozen_text, preset), random_frozen_text),
        ("--per-class", "count", per_class)])
    if repeated:  # one rule for them all (before, --split-seed refused, the others dropped)
        raise click.BadParameter(repeated[1], param_hint=repeated[0])
    per_class = tuple(sorted(per_class))
    if not emit_slurm and (gres or partition or time_limit or sbatch_options):  # before any work or warning
        given = " ".join(shlex.join([name, value]) for name, values in (
            ("--gres", [gres]), ("--partition", [partition]), ("--time", [time_limit]),
            ("--sbatch-option", sbatch_options)) for value in values if value)
        raise click.UsageError(f"{given}: --gres, --partition, --time and --sbatch-option only apply with "
                               f"--emit-slurm; add --emit-slurm DIR to write SLURM scripts, or leave them out to "
                               f"train here")
    if emit_slurm and dry_run:  # else ignored: the scripts and the plan written
        raise click.UsageError("--dry-run writes nothing, --emit-slurm writes the SLURM scripts: give one of them")
    runs = grid.plan_grid(
        random_seeds=split_seeds if "random" in splits else (), natural="natural" in splits, layers=layers,
        both_directions=both_directions, fine_tuned=fine_tuned, random_frozen=random_frozen, per_class=per_class,
        cross=source_data is not None, replicates=replicates)
    if not runs:
        raise click.UsageError("the plan is empty: choose a split, --source-data, --random-frozen or --per-class")
    options = {"data": str(data.resolve()), **changed_fields(train_options), "seed": train_options["seed"]}
    devices = None if emit_slurm else run(lambda: choose_devices(device, gpus))  # refused before any warning
    if source_data:  # both datasets' networks must be the same network
        options.update({grid_options.SOURCE_DATA: str(pathlib.Path(source_data).resolve()), "preset": preset.name})
        shared = run(lambda: grid_caveats.check_source_data(str(source_data), str(data)))  # named as given
        if shared:
            say(f"warning: {shared}")
    out = out.resolve()
    ctx.with_resource(grid_preflight.plans_shared())  # each base resolved once: by these checks and the grid's
    ctx.with_resource(optim.schedule_set_by(train_options))  # a refused schedule's advice: no --gamma here
    ctx.with_resource(grid_preflight.paths_named({options["data"]: data,  # messages name them as given
                                                  options.get(grid_options.SOURCE_DATA): source_data}))
    presets = run(lambda: _bases_checked(runs, out, options))
    # refused here as the grid refuses it (scheduler.run_grid), so that a dry run or SLURM scripts refuse it too
    run(lambda: grid_preflight.check_layers_copied(runs, out, options, presets, layers_given_as="--layers"))
    for note in run(lambda: grid_preflight.per_class_notes(runs, options)):
        say(f"note: {note}")
    for warning in run(lambda: grid_caveats.few_evaluations(runs, out, options, grid_preflight.resolved_plan)):
        say(f"warning: {warning}")
    if emit_slurm and gpus:  # else ignored
        raise click.UsageError(f"--gpus {gpus} chooses this machine's GPUs; with --emit-slurm each run asks SLURM for "
                               f"its own (--gres)")
    if emit_slurm and device == "cpu" and gres and "gpu" in gres.lower():  # allowed: a GPU node's cores, say
        say(f"note: --gres {gres} asks SLURM for a GPU, but --device cpu trains on the CPU: give --device cuda "
            f"to use it")
    read_as = carried_over(time_limit) if emit_slurm and time_limit else None
    if read_as:  # sbatch takes it, but a slip may lie behind it
        say(f"note: --time {time_limit.strip()} has a field above its range, which sbatch carries over into the "
            f"next: it reads it as {read_as}")
    if emit_slurm:  # its scripts skip a finished run as this grid's: refused as the grid itself would refuse it
        # the crops' warning, which each base's train says only in its train.log on the cluster: said in the
        # preview, before the grid's hours are queued, as a dry run says it
        for warning in run(lambda: grid_preflight.crop_warnings(runs, out, options)):
            say(f"warning: {option_text(warning)}")
        # its plan written after (or before) that of a grid working there
        plans = grid_check.PlannedConfigs()  # each run's result.json read once, by the check, for all three
        with grid_folder.GridLock(out, options, echo):
            grid_check.check_folder(runs, out, options, say, plans)
            submit = slurm.emit_slurm(runs, out, emit_slurm, dict(options, device=device), gres=gres,
                                      partition=partition, time_limit=time_limit, sbatch_options=sbatch_options,
                                      progress=say, states=plans.states)
            statuses = [grid_status.run_status(out, each, plans.states) for each in runs]
        echo(f"wrote SLURM scripts for {len(runs)} runs into {submit.parent}:")
        for line in [*slurm.describe_scripts(runs, out, submit.parent),
                     *run(lambda: grid_cost.plan_cost(runs, out, options, statuses=statuses))]:
            echo(f"  {line}")
        echo(f"submit with: bash {shlex.quote(str(submit))}")
        return
    options["device"] = "cpu" if devices == (None,) else "cuda"
    if dry_run:
        statuses = show_dry_run(runs, out, options, devices)
        for line in run(lambda: grid_cost.plan_cost(runs, out, options, devices, statuses)):
            echo(line)
        return
    with told_where_it_stopped(out):
        outcome = outcome_of(lambda: scheduler.run_grid(runs, out, options, devices=devices, log=grid_log,
                                                        progress=say))
    tell_summary(outcome, out)
    drop_output_if_reader_gone()
    sys.exit(outcome.exit_code)


def _bases_checked(runs, out, options):
    """grid_preflight.check_bases; a base refused its schedule where ``out`` holds runs already (an earlier
    version, which refused none, began the grid with it) says what becomes of them and what can be done
    (:func:`minitransfer.grid_caveats.earlier_runs_refused`)."""
    try:
        return grid_preflight.check_bases(runs, out, options)
    except config.ScheduleRefused as error:
        told = grid_caveats.earlier_runs_refused(error, out)
        if told is None:  # not a run of a schedule this version took: no earlier version's grid
            raise
        raise told from None


def _builtin_data():
    data = synthetic.builtin_dataset()
    echo(f"using the built-in synthetic dataset: {data}")
    return data


def _preset_of(name, data):
    """The preset the grid's networks use: the one named, else the default for the dataset's images."""
    return models.get(name) if name else models.preset_for_image_size(dataset.open_dataset(data).image_size)


def _parse_layers(text, preset, option):
    """The n of ``option``; an empty --layers is refused, as is a --random-frozen of commas without an n
    (" , ": a list left out by a slip; an empty one, its default, plans none)."""
    try:
        layers = grid.parse_layers(text, preset.copyable)
    except ValueError as error:
        raise click.BadParameter(f"{error} for preset {preset.name}", param_hint=option) from None
    if not layers and (option == "--layers" or text.strip()):
        raise click.BadParameter(f"no n in {text!r} (e.g. 1-{preset.copyable} or 1,3,5)", param_hint=option)
    return layers


def _given_layers(text, preset):
    """The n of --layers or --random-frozen ``text`` (checked by :func:`_parse_layers`), in the order given, each
    range expanded, repeats kept ("1-3,2": 1, 2, 3, 2); none for the default (None)."""
    return [n for part in (text or "").split(",") if part.strip() for n in grid.parse_layers(part, preset.copyable)]
