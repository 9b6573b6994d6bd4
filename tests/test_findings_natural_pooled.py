"""The random-weights-dissimilar finding pools the natural split's transfers of both directions (A7B
and B7A, each against its own base), as the dissimilar finding does; before, it called them "natural
AnB", which a reader took for A7B alone. Its label is now the dissimilar finding's: "natural"."""

import statistics

from minitransfer import findings
from test_findings import network
from test_findings_random_weights import ALL_BASE, NATURAL_BASE, with_controls

OTHER_BASE = 0.50  # baseA of the natural split, the base of B7A


def test_both_directions_of_the_natural_split_are_named_as_the_dissimilar_finding_names_them():
    a7b, b7a, random_frozen = (0.35, 0.37, 0.36), (0.30, 0.31, 0.29), (0.20, 0.22, 0.19)
    results = with_controls(a7b, random_frozen)
    for replicate, accuracy in enumerate(b7a):
        results += [network(f"natural-{replicate}/baseA", "base", "natural", replicate, OTHER_BASE, target="A"),
                    network(f"natural-{replicate}/B7A", "transfer", "natural", replicate, accuracy, target="A",
                            source="B", n=7)]
    found = {f.claim: f for f in findings.findings(results)}
    pooled = statistics.mean([100 * (a - NATURAL_BASE) for a in a7b] + [100 * (a - OTHER_BASE) for a in b7a])
    random_mean = 100 * (statistics.mean(random_frozen) - ALL_BASE)
    text = found["random-weights-dissimilar"].text
    assert found["random-weights-dissimilar"].networks == 3 + 6
    assert f"(random {random_mean:+.1f}, natural {pooled:+.1f} points relative to their bases" in text, text
    assert f"(natural {pooled:+.1f}, random " in found["dissimilar"].text
    assert "natural AnB" not in text
