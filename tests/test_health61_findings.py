"""Code health: the few-draws note (:func:`minitransfer.findings_caveats.few_draws`) left out the advice its verdict
had given by searching the verdict's text for it; the verdict now says which splits it advised
(:class:`minitransfer.findings_caveats.Verdict`, built by :func:`~minitransfer.findings_caveats.advising`). Same
words: every verdict builder's advice, the text search kept here as the oracle, on every split and pair of splits."""

import itertools

import pytest

from minitransfer import findings_coadaptation
from minitransfer.experiment import CROSS
from minitransfer.findings_caveats import (_MORE_NETWORKS, Verdict, advising, few_draws, too_few, unresolved,
                                           unresolved_difference)
from minitransfer.findings_groups import OverBases

SPLITS = tuple(_MORE_NETWORKS)


def _advised_by_text(splits, said):
    """The splits of ``splits`` whose advice ``said`` holds, found as the note found them before: by their words."""
    def advised(split):
        what, runs, option = _MORE_NETWORKS[split]
        return any(what in clause and runs in clause.rpartition(what)[2] for clause in said.split(f"({option})")[:-1])
    return {split for split in splits if advised(split)}


def group(split, draws=3, count=None):
    return OverBases(mean=-3.0, se=0.5, count=draws if count is None else count, bases=draws, draws=draws, split=split)


def _verdicts():
    """Every verdict builder's words, advising or not, for each split and pair of splits."""
    for first, second in itertools.product(SPLITS, repeat=2):
        yield too_few([1, 5], [first, second])
        yield too_few([1, 1], [first, second])
        yield unresolved([5, 5], [first, second])
        yield unresolved_difference(group(first, draws=1, count=4), group(second, draws=1, count=4), (first, second))
        yield unresolved_difference(group(first), group(second, draws=1, count=4), (first, second))
        yield advising("not resolved by these runs", first, second)
    for split in SPLITS:
        yield findings_coadaptation._not_resolved(group(split), split)
        yield findings_coadaptation._not_resolved(group(split, draws=1, count=3), split)
        for recoveries in (("uncertain", "back"), ("recovered", "uncertain")):
            yield findings_coadaptation._verdict("dip", recoveries, (group(split), group(split, count=1),
                                                                     group(split, count=1)), split, "BnB", 7)
        for side in ("unresolved", "none"):
            yield findings_coadaptation._verdict(side, ("unmeasured",) * 2, (group(split), group(split), None), split,
                                                 "BnB", 7)


VERDICTS = list(_verdicts())


@pytest.mark.parametrize("index", range(len(VERDICTS)))
def test_a_verdict_says_it_advised_the_splits_its_words_advise(index):
    verdict = VERDICTS[index]
    assert set(getattr(verdict, "advised", ())) == _advised_by_text(SPLITS, verdict), verdict


@pytest.mark.parametrize("pair", list(itertools.combinations_with_replacement(SPLITS, 2)), ids="-".join)
def test_the_note_after_each_verdict_advises_what_the_text_search_left(pair):
    groups = [group(split) for split in pair]
    for verdict in VERDICTS:
        by_text = Verdict(str(verdict), _advised_by_text(SPLITS, verdict))
        assert few_draws(*groups, said=verdict) == few_draws(*groups, said=by_text), verdict


def test_plain_words_advise_nothing_and_the_note_gives_every_advice():
    plain = "more than 2 points from it, beyond two standard errors: the features of layers 1..7 are not general here"
    assert few_draws(group("random"), group(CROSS), said=plain) == few_draws(group("random"), group(CROSS))
    assert few_draws(group("random"), said=advising("not resolved by these runs", "random")).endswith("verdict's two.")
