"""``minitransfer demo``: the paper's experiment in miniature on the built-in synthetic data."""

import pathlib
import sys
import time

import click

from minitransfer import demo as demos
from minitransfer import report as reports
from minitransfer.data import synthetic

from ._common import choose_devices, device_option, interrupt_on_sigterm, run


@click.command()
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=pathlib.Path),
              default=pathlib.Path("minitransfer-demo"), show_default=True, help="Folder for the runs and the report.")
@device_option
def demo(out, device):
    """Run a small version of the paper's experiment and draw its figures.

    Builds the built-in synthetic dataset (20 classes of shapes, 10 "man-made" and 10 "natural";
    cached in ~/.cache/minitransfer), trains baseA and baseB on a random split, then the selffer
    BnB / BnB+ and transfer AnB / AnB+ networks for n = 1, 3, 5 with the `mini` preset and a short
    schedule, and writes the report (results table, Table 1, Figures 2 and 3) into OUT/report.
    A few minutes on a laptop CPU; rerunning skips the finished networks.

    \b
    Example:
      minitransfer demo
      minitransfer demo -o my-demo --device cpu
    """
    started = time.monotonic()
    click.echo("preparing the built-in synthetic dataset ...")
    data = synthetic.builtin_dataset()
    devices = run(lambda: choose_devices(device))
    interrupt_on_sigterm()
    outcome = demos.run_demo(out.resolve(), data, device="cpu" if devices == (None,) else "cuda", devices=devices,
                            log=click.echo)
    if outcome.exit_code != 0:
        click.echo("the demo grid did not finish; rerun `minitransfer demo` to go on", err=True)
        sys.exit(outcome.exit_code)
    written = run(lambda: reports.write_report(out))
    click.echo(f"{len(written.results)} networks in {time.monotonic() - started:.0f} s; tables in {out / 'report'}:")
    click.echo(f"  results:  {written.files['results.md']}")
    click.echo(f"  Table 1:  {written.files['table1.md']}")
    if written.figures:
        click.echo(f"  Figure 2: {written.files['figure2.png']}")
        click.echo(f"  Figure 3: {written.files['figure3.png']}")
    else:
        click.echo(f"figures not drawn: matplotlib is missing ({reports.PLOT_HINT})")
