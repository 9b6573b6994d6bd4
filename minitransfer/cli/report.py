"""``minitransfer report``: the results table, Figures 2–3 and Table 1 from run directories."""

import pathlib

import click

from minitransfer import report as reports

from ._common import run


@click.command()
@click.argument("runs", type=click.Path(exists=True, file_okay=False, path_type=pathlib.Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=pathlib.Path), default=None,
              help="Folder for the tables and figures (default: RUNS/report).")
@click.option("--reference", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path), default=None,
              help="The paper's numbers to overlay (TSV: run, mean_top10_val_top1, ...).")
def report(runs, out, reference):
    """Tables and figures of the paper from the runs under RUNS.

    Reads every OUT/<name>.run/ with a result.json (from `minitransfer experiment` or `train`) and
    writes results.csv / results.md (run, treatment, n, final / best / mean-of-10-best top-1),
    table1.csv / table1.md (boost of AnB+ over baseB and BnB+), and figure2 / figure3 as PNG and
    SVG (needs matplotlib: pip install 'minitransfer[plot]').

    \b
    Examples:
      minitransfer report grid
      minitransfer report grid --reference ../shared/data/reference/yosinski_logs_mean_top10_accuracy.tsv
    """
    written = run(lambda: reports.write_report(runs, out, reference))
    click.echo(f"read {len(written.results)} finished runs from {runs}"
               + (f" ({len(written.unfinished)} not finished)" if written.unfinished else ""))
    for name, path in written.files.items():
        click.echo(f"  {name:12s} {path}")
    if not written.figures:
        click.echo(f"figures not drawn: matplotlib is missing ({reports.PLOT_HINT})")
