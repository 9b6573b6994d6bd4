"""``minitransfer train``: train one network of the paper (a base, a transfer, a selffer, a control)."""

import json

import click

from minitransfer import train as training

from ._common import device_option, run


@click.command(context_settings={"max_content_width": 100})
@click.option("--data", type=click.Path(exists=True, file_okay=False), default=None,
              help="Prepared dataset directory (default: the built-in synthetic set, built on first use).")
@click.option("-o", "--out", type=click.Path(dir_okay=False), default=None,
              help="Weights file to write; the run directory <stem>.run/ sits beside it "
                   "(default: the paper's name, e.g. baseA.h5, A4B.h5, A4B+.h5).")
@click.option("--split", type=click.Choice(training.SPLIT_KINDS), default=None,
              help="Class split: random halves, natural (A) / man-made (B), or all classes "
                   "(default: the base's when copying, else random).")
@click.option("--half", type=click.Choice(training.HALVES), default=None,
              help="Half to train on (default: A; when copying, the other half than the base's).")
@click.option("--split-seed", type=click.IntRange(0), default=None,
              help="Seed of the random split (default: the base's, else 0).")
@click.option("--per-class", type=click.IntRange(1), default=None,
              help="Use at most this many training images per class (reduced-data runs).")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True,
              help="Seed of the initialisation, data order, crops and dropout.")
@click.option("--preset", type=click.Choice(["caffenet", "mini"]), default=None,
              help="Network (default: the base's when copying; mini for images up to 64 px, else caffenet).")
@click.option("--fc8-outputs", type=click.IntRange(1), default=None,
              help="Width of fc8 (default: the half's class count; the paper's halves had 1000).")
@click.option("--copy-from", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Checkpoint to copy the first N weight layers from.")
@click.option("--n", type=click.IntRange(1, 7), default=None, help="Number of weight layers to copy (1..7).")
@click.option("--frozen/--fine-tune", default=False, show_default=True,
              help="Freeze the copied layers (AnB) or let them learn (AnB+).")
@click.option("--random-frozen", type=click.IntRange(1, 7), default=None,
              help="Control of §4.3: keep the first N layers at their random initialisation, frozen.")
@click.option("--base-lr", type=click.FloatRange(min=0, min_open=True), default=0.01, show_default=True)
@click.option("--momentum", type=click.FloatRange(0, 1, max_open=True), default=0.9, show_default=True)
@click.option("--weight-decay", type=click.FloatRange(min=0), default=0.0005, show_default=True)
@click.option("--gamma", type=click.FloatRange(0, 1, min_open=True), default=0.1, show_default=True,
              help="Learning-rate factor at each step.")
@click.option("--stepsize", type=click.IntRange(1), default=None,
              help="Iterations between steps (default: 100000 scaled by max-iter/450000).")
@click.option("--max-iter", type=click.IntRange(1), default=None,
              help="Iterations (default: 450000 for caffenet, 300 for mini); the step schedule scales with it.")
@click.option("--batch-size", type=click.IntRange(1), default=None, help="Default: 256 caffenet, 64 mini.")
@click.option("--eval-every", type=click.IntRange(1), default=None,
              help="Evaluate on the half's val images every K iterations (default: 1000 caffenet, 50 mini).")
@click.option("--checkpoint-every", type=click.IntRange(1), default=None,
              help="Write the run's checkpoint every K iterations (default: 5000 caffenet, 100 mini).")
@click.option("--log-every", type=click.IntRange(1), default=None, help="Log line every K iterations.")
@click.option("--resume", type=str, default=None,
              help="'auto': continue from the run directory's checkpoint if there is one; or a checkpoint file.")
@click.option("--overwrite", is_flag=True, help="Start over even if the weights or the run's checkpoint exist.")
@device_option
@click.option("--workers", type=click.IntRange(0), default=0, show_default=True, help="Data loader processes.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def train(as_json, **options):
    """Train one network: a base, a transfer (AnB / AnB+), a selffer (BnB) or a random-frozen control.

    Copying layers: --copy-from CKPT --n N copies weight layers 1..N (conv1..conv5, fc6, fc7),
    re-initialises the rest, and either freezes the copies (--frozen) or fine-tunes them (the
    default). The base's mean image goes with its layers. Files: the weights file, and its run
    directory (config.json, metrics.jsonl, eval.csv, checkpoint.h5, result.json) beside it.

    Exit codes: 0 done, 1 error (e.g. the loss diverged), 2 usage, 65 bad data (dataset,
    checkpoint or class mismatch), 75 interrupted by SIGINT/SIGTERM with a checkpoint written:
    rerun the same command with --resume auto.

    \b
    Examples:
      minitransfer train --split random --half A -o baseA.h5
      minitransfer train --split random --copy-from baseA.h5 --n 4 --frozen        # A4B.h5
      minitransfer train --copy-from baseA.h5 --n 4 --fine-tune -o A4B+.h5
      minitransfer train --copy-from baseB.h5 --n 3 --frozen -o B3B.h5 --half B   # selffer
      minitransfer train --split all --random-frozen 2                            # random2all.h5
      minitransfer train --data imagenet-256 --half A -o baseA.h5 --max-iter 90000 --resume auto
    """
    config = training.TrainConfig(**options)
    result = run(lambda: training.train(config))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
