"""The report's numbers against an oracle written apart from it (tests/report_oracle.py, which imports nothing of
minitransfer): each run's accuracy, Figure 2's per-n means and standard deviations (both panels), Table 1's rows and
the findings' means, standard errors and networks counted, on grids whole and partly trained (a seed without a base,
the BnB+ of one n not finished, a run failed), with both directions and halves that cannot be pooled."""

import csv
import json
import math
import random

import pytest

import report_oracle as oracle
from minitransfer import experiment as grid
from minitransfer import figures_paper, report
from test_report import write_run

SEEDS = (0, 1, 2)


def write_grid(out, seed, both_directions=False, harder_half=0.0):
    """A grid of three split seeds at n = 1, 4, 7 with random-frozen layers at 7 (two replicates), its accuracies
    drawn from ``seed``; half A's networks ``harder_half`` easier (its bases then not pooled with half B's)."""
    draw = random.Random(seed)
    for run in grid.plan_grid(random_seeds=SEEDS, layers=(1, 4, 7), both_directions=both_directions,
                              random_frozen=(7,), replicates=2):
        level = 0.6 + 0.01 * run.split_seed + harder_half * (run.target == "A")
        write_run(out, run, level + draw.uniform(-0.05, 0.03) * (run.kind != "base") + draw.uniform(-0.005, 0.005))
    return out


def unfinish(out, *names, failed=False):
    """The runs ``names`` of ``out`` made unfinished (their result.json gone; ``failed``: their train.log ends on an
    error)."""
    for name in names:
        folder = out / f"{name}.run"
        (folder / "result.json").unlink()
        if failed:
            (folder / "train.log").write_text("iteration 10/20 loss 1.0\nerror: out of memory\n")


def measured(runs_dir, out, monkeypatch):
    """The report of ``runs_dir`` and what its figures drew: [(label, {n: [values]})], in drawing order."""
    drawn, real = [], figures_paper.spread_plot

    def spy(axes, by_n, label, *args, **kwargs):
        drawn.append((label, {n: list(values) for n, values in by_n.items()}))
        return real(axes, by_n, label, *args, **kwargs)

    monkeypatch.setattr(figures_paper, "spread_plot", spy)
    return report.write_report(runs_dir, out, figures=True), drawn


def close(mine, theirs, tolerance=1e-9):
    return math.isnan(mine) and math.isnan(theirs) or abs(mine - theirs) <= tolerance


def check_against_oracle(runs_dir, written, drawn):
    runs, unfinished = oracle.read_runs(runs_dir)
    assert sorted(written.unfinished) == unfinished
    rows = {row["run"]: row for row in csv.DictReader(open(written.files["results.csv"], newline=""))}
    assert {name: float(rows[name]["mean10_top1"]) for name in runs} == pytest.approx(
        {name: run["acc"] for name, run in runs.items()})
    table = {row["layers"]: row for row in csv.DictReader(open(written.files["table1.csv"], newline=""))}
    for (first, last), boosts in oracle.table1(runs).items():
        row = table[f"{first} to {last}"]
        got = [float(row[column]) if row[column] else math.nan
               for column in ("boost_over_own_base", "boost_over_pooled_base", "boost_over_BnB+")]
        assert all(map(close, boosts, got)), (first, last, boosts, got)
    found = {finding.claim: finding for finding in written.findings}
    _, (mean, se, count, _) = oracle.general(runs)
    assert (found["general"].value, found["general"].se, found["general"].networks) == pytest.approx((mean, se, count))
    _, difference, se, _, count = oracle.specific(runs)
    assert (found["specific"].value, found["specific"].se, found["specific"].networks) == pytest.approx(
        (difference, se, count))
    mean, se, _, _ = oracle.fine_tuning_over_selffers(runs)
    assert (found["fine-tuning"].value, found["fine-tuning"].se) == pytest.approx((mean, se))
    _, difference, se, a, b = oracle.random_weights(runs)
    assert (found["random-weights"].value, found["random-weights"].se, found["random-weights"].networks) == \
        pytest.approx((difference, se, a[2] + b[2]))
    for treatment in ("AnB", "BnB", "AnB+", "BnB+"):  # Figure 2: accuracies (top), relative to the own base (bottom)
        top, bottom = [by_n for label, by_n in drawn if label == treatment]
        raw = {}
        for run in oracle.of(runs, "random", treatment):
            raw.setdefault(run["n"], []).append(run["acc"])
        assert flat({n: (oracle.mean(v), oracle.sd(v)) for n, v in top.items() if v}) == pytest.approx(
            flat({n: (oracle.mean(v), oracle.sd(v)) for n, v in raw.items()}), nan_ok=True)
        points = {n: (oracle.mean(v), oracle.sd(v), len(v)) for n, v in bottom.items() if v}
        assert flat(points) == pytest.approx(flat(oracle.figure_points(runs, "random", treatment)), nan_ok=True)


def flat(points):
    """{(n, k): the k-th figure of n} of {n: (figures)}, as pytest.approx compares them."""
    return {(n, k): value for n, figures in points.items() for k, value in enumerate(figures)}


@pytest.mark.parametrize("both_directions, harder_half", [(True, 0.0), (True, 0.05)],
                         ids=["both-directions", "halves-apart"])
def test_a_whole_grid_reads_as_the_oracle_computes_it(tmp_path, monkeypatch, both_directions, harder_half):
    runs_dir = write_grid(tmp_path / "grid", 1, both_directions, harder_half)
    check_against_oracle(runs_dir, *measured(runs_dir, tmp_path / "r", monkeypatch))


def test_a_grid_partly_trained_reads_as_the_oracle_computes_it(tmp_path, monkeypatch):
    """A seed without its baseB, the BnB+ at n = 4 of every seed not finished and an AnB+ failed."""
    runs_dir = write_grid(tmp_path / "grid", 2)
    unfinish(runs_dir, "random1/baseB", *(f"random{seed}/B4B+" for seed in SEEDS))
    unfinish(runs_dir, "random2/A7B+", failed=True)
    written, drawn = measured(runs_dir, tmp_path / "r", monkeypatch)
    check_against_oracle(runs_dir, written, drawn)
    assert [name for name in written.failed if name.startswith("random2/A7B+")]
    table = written.files["table1.md"].read_text()
    assert "random0/A4B+, random1/A4B+, random2/A4B+ are left out of it (no BnB+ with an accuracy at n = 4)" in table
    # random1's baseA, its baseB not finished, is not pooled (the oracle's pooled column above), and that is said
    assert ("compares AnB+ of split seeds 0-2 with baseA and baseB of split seeds 0, 2 at n = 1, 4, and AnB+ of "
            "split seeds 0, 1 with baseA and baseB of split seeds 0, 2 at n = 7 (averaged over all runs, as the paper "
            "defines it, not split by split); the base of split seed 1 without its other half's with an accuracy is "
            "not pooled") in table


def test_a_grid_whose_top_transfers_are_missing_on_a_seed_reads_as_the_oracle_computes_it(tmp_path, monkeypatch):
    """Seed 2's AnB at n = 7 not finished: the specific claim compares AnB and BnB on seeds 0 and 1, paired by seed,
    its BnB of seed 2 left out (the oracle's specific)."""
    runs_dir = write_grid(tmp_path / "grid", 3)
    unfinish(runs_dir, "random2/A7B")
    written, drawn = measured(runs_dir, tmp_path / "r", monkeypatch)
    check_against_oracle(runs_dir, written, drawn)
    assert "1 BnB of split seeds without AnB left out" in {f.claim: f for f in written.findings}["specific"].text


def test_a_boost_that_rounds_to_zero_reads_plus_zero_in_table1_as_in_findings(tmp_path):
    """Every AnB+ 0.04 points below its base: Table 1 showed "-0.0" where findings.md says +0.0 of it."""
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(random_seeds=(0, 1), layers=(3,)):
        write_run(runs_dir, run, 0.6 - 0.0004 * (run.treatment == "AnB+"))
    written = report.write_report(runs_dir, tmp_path / "r", figures=False)
    runs, _ = oracle.read_runs(runs_dir)
    own, pooled, selffer = oracle.table1(runs)[3, 7]
    cells = " | ".join(f"{round(100 * value, 1) + 0.0:+.1f}" for value in (own, pooled, selffer))  # -0.0 + 0.0 is 0.0
    assert cells == "+0.0 | +0.0 | +0.0"
    assert f"| 3 to 7 | {cells} | 3 |" in written.files["table1.md"].read_text()


def test_the_oracle_reads_eval_csv_as_the_paper_defines_the_accuracy(tmp_path):
    """The oracle's own accuracy: the mean of the 10 best evaluations, of all where fewer."""
    folder = tmp_path / "g" / "random0" / "baseA.run"
    folder.mkdir(parents=True)
    (folder / "treatment.json").write_text(json.dumps(grid.plan_grid(layers=(1,))[0].to_json()))
    (folder / "result.json").write_text("{}")
    tops = [0.1 * k for k in range(12)]
    (folder / "eval.csv").write_text("iteration,top1\n" + "".join(f"{k},{top}\n" for k, top in enumerate(tops)))
    runs, _ = oracle.read_runs(tmp_path / "g")
    assert runs["random0/baseA"]["acc"] == pytest.approx(sum(tops[2:]) / 10)


def test_the_dissimilar_findings_read_as_the_oracle_computes_them(tmp_path):
    """The natural split's transfers (both directions, three replicates) against a random split's AnB and against
    random frozen layers: each difference, its standard error and the networks it counts."""
    runs_dir, draw = tmp_path / "grid", random.Random(5)
    for run in grid.plan_grid(random_seeds=SEEDS, natural=True, layers=(1, 7), selffer=False, fine_tuned=False,
                              random_frozen=(4, 7), replicates=3):
        level = 0.6 + 0.03 * (run.target == "A")
        write_run(runs_dir, run, level + draw.uniform(-0.06, 0.02) * (run.kind != "base") + draw.uniform(-.005, .005))
    found = {f.claim: f for f in report.write_report(runs_dir, tmp_path / "r", figures=False).findings}
    runs, _ = oracle.read_runs(runs_dir)
    for claim, measure in (("dissimilar", oracle.dissimilar), ("random-weights-dissimilar",
                                                               oracle.random_weights_dissimilar)):
        _, difference, se, a, b = measure(runs)
        assert (found[claim].value, found[claim].se, found[claim].networks) == pytest.approx(
            (difference, se, a[2] + b[2]))
