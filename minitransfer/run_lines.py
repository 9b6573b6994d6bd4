"""The lines a training run opens and closes with: :func:`describe_plan` (the net, where it runs, what
is copied or frozen, the data and the schedule) and :func:`result_line` (the result of a finished run),
its metric named as the report names it (:func:`run_metric_words`).
"""

import dataclasses

from minitransfer.done_line import DONE_WORDS
from minitransfer.experiment import CROSS
from minitransfer.rundir import BEST_EVALUATIONS
from minitransfer.transfer import source_of
from minitransfer.left_out import UnreadableRun, base_text
from minitransfer.treatments import hand_trained_run


def run_metric_words(evaluations):
    """How train's and a grid's lines name result.json's ``mean10_top1`` of a run of ``evaluations``
    evaluations, in the report's words (:func:`minitransfer.comparisons.metric_words`): "mean of 10 best",
    "mean of all 3 evaluations", "its one evaluation", and "no evaluation" for 0 (before, "mean of the 3 best
    (3 evaluations)" where the report said "mean of all 3 evaluations")."""
    if evaluations >= BEST_EVALUATIONS:
        return f"mean of {BEST_EVALUATIONS} best"
    return all_evaluations_words(evaluations, "its") if evaluations > 0 else "no evaluation"


def all_evaluations_words(count, whose):
    """The metric of runs of ``count`` (fewer than :data:`BEST_EVALUATIONS`) evaluations, the mean of them
    all; ``whose``: "its", "each run's"."""
    return f"{whose} one evaluation" if count == 1 else f"mean of all {count} evaluations"


def describe_plan(plan, net):
    """One line: the net, where it runs, which network it trains (:func:`network_words`), the data (its
    folder: a transfer given no `data` takes its base's) and the schedule; its paths as the user gave them."""
    c, named = plan.config, plan.named
    what = network_words(dataclasses.asdict(c), source_of(plan), named.copy_from)
    seed = f" seed {c.split_seed}" if c.split == "random" else ""  # the other splits are not drawn
    half = f" half {c.half}" if c.half else ""
    return (f"{net.preset} ({net.parameter_count():,} parameters) on {plan.device}; {what}; split {c.split}"
            f"{seed}{half} of {named.data} ({plan.task.num_classes} classes); {c.max_iter} "
            f"iteration{'s' * (c.max_iter != 1)} of batch {c.batch_size}, lr {c.base_lr} x{c.gamma} every {c.stepsize}")


def network_words(config, source, copy_from):
    """Which network a run of ``config`` (config.json's fields) trains, as report will label it
    (:func:`minitransfer.treatments.hand_trained_run`, from train's record ``source`` of its base, named
    ``copy_from``), and what that is: "B4A (transfer: first 4 layers copied from baseB.h5, a base on half B
    of the random split 0, frozen, trained on half A)", "A3B+ (...fine-tuned...)", "B4B (selffer: ...)",
    "S2T (transfer across datasets: ...)", "baseA (base on half A)", "random3 (random-weights control: first 3 layers
    random and frozen)", "reduced-0010 (reduced-data base: ...)". A run report leaves out is said as train
    was told to train it, "(report leaves it out)": why, train's warning and ``info``'s state line say. A run
    on every class of its dataset is named as trained ("base", "all2all"): report names it by the study it
    finds it in beside the other runs of its folder (baseT, T2T: :func:`minitransfer.run_labels.cross_studies`),
    which one run alone does not tell. Train's opening line and ``info`` say it."""
    try:
        run = hand_trained_run(config, source)
    except UnreadableRun:  # none of the paper's: said as its options say it
        return _options_words(config, copy_from) + " (report leaves it out)"
    except (KeyError, ValueError, TypeError):  # a record of another version, without a field read: as its options
        return _options_words(config, copy_from)
    per_class, target = config.get("per_class"), f"half {config['half']}" if config.get("half") else "every class"
    if run.kind == "base":
        return f"{run.label} (base on {target})"
    if run.kind == "reduced":
        return f"{run.label} (reduced-data base: {_at_most(per_class)})"
    if run.kind == "random-frozen":
        return f"{run.label} (random-weights control: {random_frozen_words(run.n)})"
    kind = "transfer across datasets" if run.split == CROSS else run.kind
    return (f"{run.label} ({kind}: {_first_layers(run.n)} copied from {copy_from}, a base on {base_text(source)}, "
            f"{'fine-tuned' if run.fine_tuned else 'frozen'}, trained on {target})")


def _options_words(config, copy_from):
    """A run as its options say it: "copy 4 layers from X (frozen)", "base", ... "on reduced data"."""
    what = "base"
    if config.get("copy_from"):
        what = f"copy {config['n']} layers from {copy_from} ({'frozen' if config.get('frozen') else 'fine-tuned'})"
    elif config.get("random_frozen"):
        what = random_frozen_words(config["random_frozen"])
    if config.get("per_class"):  # the report's reduced-data runs (reduced-0010), not a base of the paper's grid
        reduced = "reduced-data base" if what == "base" else f"{what} on reduced data"
        what = f"{reduced} ({_at_most(config['per_class'])})"
    return what


def _at_most(per_class):
    return f"at most {per_class} training image{'s' * (per_class != 1)} per class"


def random_frozen_words(n):
    """"first layer random and frozen", "first 3 layers random and frozen": a random-weights control's
    ``n`` (train's banner, info's lines)."""
    return f"{_first_layers(n)} random and frozen"


def _first_layers(n):
    return "first layer" if n == 1 else f"first {n} layers"


def result_line(result):
    """The line that says a finished run's :class:`TrainResult`: "done: final top-1 ..., best ..., mean of
    10 best ...; weights in OUT, run files in RUN"."""
    return (f"{DONE_WORDS}{result.final.get('top1', float('nan')):.4f}, best {result.best_top1:.4f}, "
            f"{run_metric_words(result.evaluations)} {result.mean10_top1:.4f}; weights in {result.out}, run files in "
            f"{result.run_dir}")
