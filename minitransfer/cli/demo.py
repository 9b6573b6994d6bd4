"""``minitransfer demo``: the paper's experiment in miniature on the built-in synthetic benchmark."""

import pathlib
import sys
import time

import click

from minitransfer import demo as demos
from minitransfer import report as reports
from minitransfer.data import synthetic
from minitransfer.ops import precision as precisions

from ._common import PRECISION_HELP, choose_devices, device_option, run
from .report import show


@click.command()
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=pathlib.Path), default=None,
              help="Folder for the runs and the report (default: minitransfer-demo, or minitransfer-demo-seedS "
                   "with --seed S).")
@click.option("--seed", type=click.IntRange(0, demos.MAX_SEED), default=0, show_default=True,
              help="Rerun the whole demo with other split and training seeds.")
@device_option
@click.option("--precision", type=click.Choice(precisions.PRECISIONS), default=None, help=PRECISION_HELP)
def demo(out, seed, device, precision):
    """Run the paper's experiment in miniature and say what it shows.

    Builds the built-in synthetic benchmark (cached in ~/.cache/minitransfer), whose classes are
    built so that low layers are general and top layers specific, then trains the paper's grid on
    it: three random A/B splits (bases, BnB, AnB, AnB+; at the lowest n BnA too) and on the CPU
    two more for the lowest and top n's claims, the natural / man-made split both ways and the
    random-weights control, three networks per point; on the CPU two at a time. On a GPU
    (--device cuda) a larger plan: five networks per point, every n, several processes per GPU
    (not yet run on a GPU). Writes the report (results, Table 1, findings, Figures 2-3, learning
    curves) into OUT/report and prints the findings with their uncertainty. Rerunning skips the
    finished networks.

    \b
    Examples:
      minitransfer demo                           # takes minutes (3-5 on 2 CPU cores)
      minitransfer demo --seed 1                  # takes minutes: other splits and seeds
      minitransfer demo -o my-demo --device cpu   # takes minutes
    """
    started = time.monotonic()
    out = (out or pathlib.Path("minitransfer-demo" if seed == 0 else f"minitransfer-demo-seed{seed}")).resolve()
    click.echo("preparing the built-in synthetic benchmark ...")
    data = run(synthetic.builtin_dataset)
    devices = run(lambda: choose_devices(device))
    on_gpu = devices != (None,)
    outcome = run(lambda: demos.run_demo(out, data, seed=seed, device="cuda" if on_gpu else "cpu",
                                         devices=devices if on_gpu else (None,) * demos.CPU_SLOTS,
                                         precision=precision, log=click.echo))
    if outcome.exit_code != 0:
        click.echo(_unfinished(outcome), err=True)
        sys.exit(outcome.exit_code)
    written = run(lambda: reports.write_report(out))
    click.echo(f"{len(written.results)} networks in {time.monotonic() - started:.0f} s")
    show(written, out)


def _unfinished(outcome):
    """Why the demo stopped short, and what to do: an interruption is rerun as it is; failed networks
    (their train.log named above, in the FAILED lines) fail again until their cause is fixed."""
    if outcome.interrupted:
        return "the demo was interrupted; rerun the same command to go on (finished networks are kept)"
    failed = len(outcome.failed)
    return (f"the demo did not finish: {failed} network{'s' if failed != 1 else ''} failed and "
            f"{len(outcome.blocked)} that need {'them' if failed != 1 else 'it'} were not run; the train.log (in "
            f"the FAILED lines above) says why: fix that, then rerun the same command (finished networks are kept)")
