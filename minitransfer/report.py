"""The paper's results from run directories: the results table, Figure 2, Figure 3 and Table 1.

The runs are read by :mod:`minitransfer.results`, the figures drawn by :mod:`minitransfer.figures`.

Accuracy is the paper's metric, the mean of the 10 best validation top-1 evaluations, unless a
column says otherwise. Treatments as in the paper (footnote 3 of §4.1: AnA counts as BnB and BnA
as AnB): baseB (every base of a random split), BnB and BnB+ (selffer, frozen / fine-tuned), AnB and
AnB+ (transfer), random (first n layers random and frozen, all classes), reduced (fewer images).

- Figure 2 (§4.1): random splits; top, every network as a point (shifted left/right per
  treatment); bottom, the treatments' means as lines, baseB dotted.
- Figure 3 (§4.2–4.3): top left, the natural / man-made split (lines join networks of the same
  target task); top right, random frozen layers; bottom, each minus its own base.
- Table 1 (§4.1): mean boost of AnB+ over baseB and over BnB+ for layers 1–7, 3–7, 5–7: the mean
  over the layers n in the range of (mean AnB+ at n − mean baseB) and (mean AnB+ at n − mean BnB+ at n).

``--reference FILE`` reads the original runs' numbers (``run<TAB>mean_top10_val_top1<TAB>...``, the
run names of yosinski/convnet_transfer: half0A, transfer0A0B_1_3, transfer-ft0A0B_1_3,
transfernatmanAB_1_3, nolearn_1_3, netbase, reduced-0010) and overlays their means.
"""

import csv
import dataclasses
import math
import pathlib

from minitransfer import figures as figure_module
from minitransfer.results import collect, mean, means_by_n, read_reference, select

TABLE_1_RANGES = ((1, 7), (3, 7), (5, 7))
COLUMNS = ("run", "label", "treatment", "split", "split_seed", "target", "n", "final_top1", "best_top1",
           "mean10_top1", "evaluations")
PLOT_HINT = "pip install 'minitransfer[plot]'"


class NoRuns(RuntimeError):
    """The folder holds no finished run to report (exit code 1); nothing is written."""


def table1(results, ranges=TABLE_1_RANGES):
    """Rows of Table 1: layers, mean boost of AnB+ over baseB and over BnB+ (NaN where a control is
    missing), and the layers that had AnB+ runs."""
    base = mean([r.mean10_top1 for r in select(results, "random", "baseB")])
    tuned, selffer = means_by_n(results, treatment="AnB+"), means_by_n(results, treatment="BnB+")
    rows = []
    for first, last in ranges:
        layers = [n for n in tuned if first <= n <= last]
        both = [n for n in layers if n in selffer]
        rows.append({"layers": f"{first}-{last}", "boost_over_baseB": mean([tuned[n] - base for n in layers]),
                     "boost_over_BnB+": mean([tuned[n] - selffer[n] for n in both]),
                     "layers_with_runs": ",".join(map(str, layers))})
    return rows


def _format(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return str(value)


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        writer.writerows({key: _format(row[key]) for key in columns} for row in rows)


def markdown_table(rows, columns):
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_format(row[key]) or "–" for key in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _percent(value):
    return "–" if math.isnan(value) else f"{100 * value:+.1f}%"


def table1_markdown(rows, reference_rows=None):
    columns = ["layers aggregated", "mean boost over baseB", "mean boost over selffer BnB+", "layers with AnB+ runs"]
    if reference_rows:
        columns += ["paper's runs: over baseB", "paper's runs: over BnB+"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for index, row in enumerate(rows):
        cells = [row["layers"], _percent(row["boost_over_baseB"]), _percent(row["boost_over_BnB+"]),
                 row["layers_with_runs"] or "–"]
        if reference_rows:
            cells += [_percent(reference_rows[index]["boost_over_baseB"]),
                      _percent(reference_rows[index]["boost_over_BnB+"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"



@dataclasses.dataclass
class Report:
    """What :func:`write_report` wrote: paths by kind, the runs read, and the unfinished runs."""

    files: dict
    results: list
    unfinished: list
    figures: bool


def write_report(runs_dir, out_dir=None, reference=None, figures=True):
    """Read every run under ``runs_dir`` and write into ``out_dir`` (default ``runs_dir/report``):
    results.csv / results.md (one row per network), table1.csv / table1.md, and (``figures``, with
    matplotlib) figure2.png / .svg and figure3.png / .svg. ``reference``: a TSV of the paper's runs
    to overlay. ``Report.figures`` says whether the figures were drawn.

    Example: ``write_report("grid", reference="../shared/data/reference/yosinski_logs_mean_top10_accuracy.tsv")``
    """
    runs_dir = pathlib.Path(runs_dir)
    out_dir = pathlib.Path(out_dir) if out_dir else runs_dir / "report"
    results, unfinished = collect(runs_dir)
    if not results:
        raise NoRuns(f"no finished runs (*.run/result.json) under {runs_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    reference_results = read_reference(reference) if reference else None
    files = {}

    rows = [r.row() for r in results]
    write_csv(out_dir / "results.csv", rows, COLUMNS)
    files["results.csv"] = out_dir / "results.csv"
    lines = [f"# Results of {len(results)} networks in {runs_dir}", "",
             "Top-1 validation accuracy: final, best, and the paper's metric (mean of the 10 best evaluations).", ""]
    lines.append(markdown_table(rows, COLUMNS))
    if unfinished:
        lines += ["", f"Not finished ({len(unfinished)}): " + ", ".join(unfinished)]
    (out_dir / "results.md").write_text("\n".join(lines) + "\n")
    files["results.md"] = out_dir / "results.md"

    boosts = table1(results)
    reference_boosts = table1(reference_results) if reference_results else None
    write_csv(out_dir / "table1.csv", boosts, ("layers", "boost_over_baseB", "boost_over_BnB+", "layers_with_runs"))
    files["table1.csv"] = out_dir / "table1.csv"
    text = ["# Table 1: performance boost of AnB+ over controls, averaged over ranges of layers", "",
            table1_markdown(boosts, reference_boosts)]
    if reference_boosts:
        text.append("The paper's columns are computed the same way from the original runs' logs (--reference); "
                    "the paper's printed Table 1 used the fewer runs finished at publication.")
    (out_dir / "table1.md").write_text("\n".join(text) + "\n")
    files["table1.md"] = out_dir / "table1.md"

    Figure = figure_module.figure_class() if figures else None
    if Figure is not None:
        for name, draw in (("figure2", figure_module.figure2), ("figure3", figure_module.figure3)):
            figure = draw(Figure, results, reference_results)
            for suffix in ("png", "svg"):
                path = out_dir / f"{name}.{suffix}"
                figure.savefig(path, dpi=120)
                files[path.name] = path
    return Report(files=files, results=results, unfinished=unfinished, figures=Figure is not None)

