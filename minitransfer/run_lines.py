"""The lines a training run opens and closes with: :func:`describe_plan` (the net, where it runs, what
is copied or frozen, the data and the schedule) and :func:`result_line` (the result of a finished run),
its metric named as the report names it (:func:`run_metric_words`).
"""

from minitransfer.rundir import BEST_EVALUATIONS


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
    """One line: the net, where it runs, what is copied or frozen, the data (its folder: a transfer
    given no `data` takes its base's) and the schedule; its paths as the user gave them."""
    c, named = plan.config, plan.named
    what = "base"
    if c.copy_from:
        what = f"copy {c.n} layers from {named.copy_from} ({'frozen' if c.frozen else 'fine-tuned'})"
    elif c.random_frozen:
        what = random_frozen_words(c.random_frozen)
    if c.per_class:  # the report's reduced-data runs (reduced-0010), not a base of the paper's grid
        what = (f"{'reduced-data base' if what == 'base' else what + ' on reduced data'} (at most {c.per_class} "
                f"training image{'s' * (c.per_class != 1)} per class)")
    seed = f" seed {c.split_seed}" if c.split == "random" else ""  # the other splits are not drawn
    half = f" half {c.half}" if c.half else ""
    return (f"{net.preset} ({net.parameter_count():,} parameters) on {plan.device}; {what}; split {c.split}"
            f"{seed}{half} of {named.data} ({plan.task.num_classes} classes); {c.max_iter} "
            f"iteration{'s' * (c.max_iter != 1)} of batch {c.batch_size}, lr {c.base_lr} x{c.gamma} every {c.stepsize}")


def random_frozen_words(n):
    """"first layer random and frozen", "first 3 layers random and frozen": a random-weights control's
    ``n`` (train's banner, info's lines)."""
    return "first layer random and frozen" if n == 1 else f"first {n} layers random and frozen"


def result_line(result):
    """The line that says a finished run's :class:`TrainResult`: "done: final top-1 ..., best ..., mean of
    10 best ...; weights in OUT, run files in RUN"."""
    return (f"done: final top-1 {result.final.get('top1', float('nan')):.4f}, best {result.best_top1:.4f}, "
            f"{run_metric_words(result.evaluations)} {result.mean10_top1:.4f}; weights in {result.out}, run files in "
            f"{result.run_dir}")
