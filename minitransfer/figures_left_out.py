"""What a figure of the paper (:mod:`minitransfer.figures`) does not draw, said under it: its networks without an
evaluation (no accuracy: a point drawn of fewer networks than were trained), and the runs the report left out of
every figure (diverged, unreadable: :func:`minitransfer.results.collect`; not finished, or planned and not
started). A legend's "mean ± s.d. of 2 networks" of three split seeds, one of which diverged, read as if two had
been planned; a divergence is no chance omission (it comes with some recipes, some n), so the reader is told which
runs are missing from the means. And where a figure draws networks against bases no better than chance, it says
that too (:func:`chance_note`).
"""

from minitransfer.experiment import some_names
from minitransfer.figures_curves import shortened
from minitransfer.figures_paper import wrapped
from minitransfer.run_facts import at_chance_kinds, bases_against_chance, cannot_be_told
from minitransfer.run_logs import DIVERGED

NOTE_LINE = 110  # characters of a note's line (fontsize 8) that fit the narrowest figure's width (figure2's, 8")

# The runs each figure draws, of those in hand (the paper's reference runs have no such gaps)
FIGURE_RUNS = {
    "figure2": lambda run: run.split == "random",
    "figure3": lambda run: run.split == "natural" or (run.split == "all" and run.treatment in ("random", "baseB"))
    or (run.split == "random" and run.treatment == "AnB"),
    "figure_cross": lambda run: run.split == "cross",
    "figure_s1": lambda run: run.split == "all" and run.treatment in ("reduced", "baseB"),
}


def left_out_note(runs, left_out, unfinished=()):
    """What a figure of ``runs`` (:class:`minitransfer.comparisons.Result`, those it draws from) does not draw:
    "Not drawn (each point is of the networks left): 1 network without an evaluation (random1/A7B); 1 run that
    diverged (random2/A7B); 2 runs not finished (random0/B1B, random0/B7B): the runs left out are in no figure
    (results.md says why)"; "" where it draws them all. ``left_out``: the report's "name: why" of each run it left
    out; ``unfinished``: the names of the runs not finished or not started (a grid's BnB not yet trained: its figure
    showed AnB alone with nothing to say that BnB were on their way)."""
    unscored = [r.run.name for r in runs if r.evaluations == 0 or r.mean10_top1 != r.mean10_top1]
    told = [_told(text) for text in left_out]
    diverged = [name for name, why in told if why.startswith(DIVERGED)]
    others = [name for name, why in told if not why.startswith(DIVERGED)]
    # each name shortened as a legend's (its start and end): three runs of a folder named by its 200 characters of
    # options made a note of eight lines under the figure; results.md names them in full
    parts = [f"{_count(names, what)} {how} ({some_names([shortened(n) for n in names])})" for names, what, how in (
        (unscored, "network", "without an evaluation"), (diverged, "run", "that diverged"),
        (others, "other run", "left out"), (list(unfinished), "run", "not finished")) if names]
    if not parts:
        return ""
    where = ": the runs left out are in no figure (results.md says why)" if diverged or others or unfinished else ""
    return wrapped("Not drawn (each point is of the networks left): " + "; ".join(parts) + where, NOTE_LINE)


def chance_note(runs, facts=None, figure="figure2"):
    """What a figure of ``runs`` draws against bases no better than chance (or that cannot be told from it:
    :func:`minitransfer.run_facts.bases_against_chance`): "Careful: bases no better than chance (random0/baseB): the
    networks measured against them tell nothing of features (findings.md does not judge them; ...)"; "" where none
    is. Figure 2 drew a grid trained too briefly, whose findings were all "not judged", as a result like any other.
    Only the bases of a split (and seed or replicate) the figure draws other networks of are named: a reduced-data
    grid's base on every class is in no panel of Figure 3 without random-frozen runs. Under Figure S1 (``figure``),
    its line of the base on every class is what guessing scores. ``facts``: the datasets read
    (:func:`minitransfer.run_facts.bases_against_chance`'s), shared by the figures."""
    def draw(run):
        return run.split, run.split_seed

    against = {draw(r.run) for r in runs if r.run.kind != "base"}
    found = bases_against_chance([r for r in runs if draw(r.run) in against], facts)[0]
    if not found:
        return ""
    _, untold, counts = at_chance_kinds(found)  # counts: the validation images of the bases that cannot be told
    kinds = "no better than chance" + (f", or {cannot_be_told(counts)}," if untold else "")
    names = some_names([shortened(r.run.name) for r, *_ in found])
    why = ("its line is what guessing scores, not what every training image taught (findings.md lists them among "
           "its runs to read with care)" if figure == "figure_s1" else "the networks measured against them tell "
           "nothing of features (findings.md does not judge them; see its runs to read with care)")
    return wrapped(f"Careful: bases {kinds} ({names}): {why}", NOTE_LINE)


def say_left_out(figures, results, left_out, unfinished=(), facts=None):
    """Under each figure of ``figures`` ({stem: figure}) that draws networks, what it does not
    (:func:`left_out_note`; ``unfinished``: the names of the runs not finished), below a note it already has
    (Figure S1's runs at chance), and where it draws networks against bases at chance, so (:func:`chance_note`).
    ``facts``: the datasets read already (the report's), each read once for every figure where None."""
    facts = {} if facts is None else facts
    for name, figure in figures.items():
        if name not in FIGURE_RUNS:
            continue
        runs = [r for r in results if FIGURE_RUNS[name](r.run)]
        note = "\n".join(filter(None, (left_out_note(runs, left_out, unfinished),
                                       chance_note(runs, facts, name))))
        if not note:
            continue
        earlier = figure.get_supxlabel()
        figure.supxlabel("\n".join(filter(None, (earlier, note))), fontsize=8)


def _told(text):
    """(name, why) of a run left out, ``text`` its "name: why": the parts it keeps where it keeps them
    (:class:`minitransfer.results.LeftOut`, :class:`minitransfer.run_copies.SameNetwork`), as a folder's name may
    hold ": " (a run in "run: 2" was named "run", its divergence another reason); a divergence's name is what comes
    before its ": training diverged: "; else split at the first ": "."""
    name = getattr(text, "name", None)
    if isinstance(name, str) and text.startswith(f"{name}: "):
        return name, text[len(name) + 2:]
    name, diverged, why = text.partition(f": {DIVERGED}")
    return (name, DIVERGED + why) if diverged else text.partition(": ")[::2]


def _count(names, what):
    return f"{len(names)} {what}{'s' * (len(names) != 1)}"
