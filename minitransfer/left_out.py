"""What report says of a run it leaves out: the exceptions that carry its reason (:class:`UnreadableRun`, and
:class:`MeasuredNowhere` for a run of a kind report measures nowhere), and a run's base as a reason names it
(:func:`base_text`). Which runs and why: :mod:`minitransfer.treatments`.
"""

from minitransfer.errors import MinitransferError


class UnreadableRun(MinitransferError, ValueError):
    """A run with a result.json that cannot be read as one network: its result, configuration or
    treatment file is corrupt, or its base cannot be found. ``report`` leaves it out and names it."""

    def of_this_run(self):
        """The reason said of the run in hand, as train warns of it ("report will leave this run out: ...")."""
        return str(self)


class MeasuredNowhere(UnreadableRun):
    """A run of a kind report measures nowhere (:func:`control_on_a_half`, :func:`cross_on_a_half`), in
    parts: ``what`` the run is, ``reason``, the reason shared by its kind, and what to train ``instead``;
    said "WHAT: REASON; INSTEAD". Report's refusal of a folder of such runs groups them by kind
    (:mod:`minitransfer.report_no_runs`) from these parts, never from the text."""

    def __init__(self, what, reason, instead):
        super().__init__(what, reason, instead)  # all of them in args: pickled, it is made again alike
        self.what, self.reason, self.instead = what, reason, instead

    def __str__(self):
        return f"{self.what}: {self.reason}; {self.instead}"

    def of_this_run(self):
        return f"it is {self}"  # "it is a reduced-data run (...) trained on half A of ...: ..."


class WithoutRunFolder(str):
    """The "name: why" text of a network's weights file found without its run folder beside it
    (:func:`minitransfer.run_search.lone_weights`): no run, so a folder that holds nothing else holds no run to
    report (a usage mistake, :mod:`minitransfer.report_no_runs`), where the text says it beside the others left out."""


def base_text(source):
    """A base as a record says it: "half A of random split 0", "the other dataset"."""
    if source.get("cross_dataset"):
        return "another dataset"
    kind, half = source.get("split_kind"), source.get("split_half")
    if kind == "all" or (kind is None and not half):
        return "every class of this dataset" + _reduced_text(source)
    seed = f" {source['split_seed']}" if kind == "random" and "split_seed" in source else ""
    return f"half {half} of {f'the {kind} split' if kind else 'its split'}{seed}" + _reduced_text(source)


def _reduced_text(source):
    """" on at most N images per class" for a base trained on fewer images (``per_class``), else ""."""
    return f" on at most {source['per_class']} images per class" if source.get("per_class") else ""
