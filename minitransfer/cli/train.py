"""``minitransfer train``: train one network of the paper (a base, a transfer, a selffer, a control)."""

import os
import shlex

import click
from click.core import ParameterSource

from minitransfer import config, config_checks, stopping
from minitransfer.progress import Progress
from minitransfer import resume as resumes
from minitransfer import train as training
from minitransfer.data.dataset import DatasetError
from minitransfer.data.decoder_pool import MAX_WORKERS
from minitransfer.run_lines import result_line

from ._errors import run
from ._numbers import Real, Whole
from ._options import (HALF, SEED, base_lr_option, batch_size_option, config_option, data_option, device_option,
                       eval_every_option, fc8_outputs_option, max_iter_option, per_preset, precision_option,
                       preset_option, seed_option, stepsize_option)
from ._output import dropped_if_reader_gone, echo, json_text
from ._paths import DatasetFolder, NetworkPath, OutputFile


class _BasePath(NetworkPath):
    """--copy-from: a base that is not there is left to train, which continues a run with --resume from
    what its checkpoint holds of the base, and refuses anything else."""

    def __init__(self):
        super().__init__(finished=True)

    def convert(self, value, param, ctx):
        return value if not os.path.lexists(value) else super().convert(value, param, ctx)


class _TrainData(DatasetFolder):
    """--data: a dataset whose meta.json is damaged (garbled, another file's) is left to train, which
    refuses it in the same words (exit code 65), and says so where the run it resumes is finished
    (:func:`minitransfer.resume_finished.finished_despite`), which is not known while the options are read."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except DatasetError as error:
            # its subclasses are refused here, as everywhere: a dataset this user may not read (DatasetUnreadable,
            # 74), a path that is no dataset (NotADataset, 2: a run folder, a network's file)
            if type(error) is not DatasetError:
                raise
            return value


_INTERRUPTED = (f"stopped by a signal {stopping.BEFORE_A_CHECKPOINT}, or with every file written so far intact; "
                "rerun the same command with --resume auto to continue")
# --resume a checkpoint file (a copy of an older one) stopped in its start-up, before the copy is put in its run's
# checkpoint.h5: --resume auto continued that checkpoint.h5, of a finished run ended at once, not the copy's
_INTERRUPTED_GIVEN = (f"stopped by a signal {stopping.BEFORE_A_CHECKPOINT}, or with every file written so far intact; "
                      "rerun the same command, --resume {} again, to continue")
# A fresh run (no --resume) stops by a bare signal only in its start-up, before its first checkpoint (once it
# trains, a stop saves the iterations done and says so itself): a plain rerun starts it again.
_INTERRUPTED_FRESH = (f"stopped by a signal during the start-up of a fresh run, {stopping.BEFORE_THE_FIRST}: rerun "
                      "the same command to start it")


@click.command(short_help="Train one network: a base, a transfer, a selffer or a control.",
               context_settings={"max_content_width": 100})
@data_option("with --copy-from, the dataset its network was trained on; else the built-in synthetic set, "
             "built on first use (and again if its cache was emptied)", folder=_TrainData)
@config_option("-o", "--out", type=OutputFile(),
               help="Weights file to write; the run directory <stem>.run/ sits beside it, or, for a symbolic link, "
                    "beside the file it leads to, whose folder must exist "
                    "(default: the paper's name, e.g. baseA.h5, A4B.h5, A4B+.h5, natural-baseA.h5, followed by "
                    "-split-seed1 for a random split of another seed than 0 and by -per-class10 for a reduced-data "
                    "run; not by the --seed: name a replicate with -o).")
@config_option("--split", type=click.Choice(config_checks.SPLIT_KINDS),
               help="Class split: random halves, natural (A) / man-made (B; as the paper's code names them, where "
                    "its text says A = man-made), or all classes (default: the base's when copying within its "
                    "dataset; from a base of another dataset, all, or random where --half or --split-seed is given; "
                    "else random).")
@config_option("--half", type=HALF,
               help="Half to train on (default: A; when copying within the base's dataset and split, the other "
                    "half than the base's; --split all has no halves and refuses one).")
@config_option("--split-seed", type=SEED,
               help="Seed of the random split, which alone has one (default: the base's when copying within its "
                    "dataset, else 0).")
@config_option("--per-class", type=Whole(1, config_checks.MAX_COUNT), metavar="N",
               help="Use at most this many training images per class (reduced-data runs), chosen at random with "
                    "--seed (a class's choice its own); a class with fewer keeps all it has, which a warning names.")
@seed_option(copy_from=True)
@preset_option(copy_from=True)
@fc8_outputs_option
@config_option("--copy-from", type=_BasePath(),
               help="Checkpoint to copy the first N weight layers from (a weights file, or a finished run's folder; "
                    "--n N required with it; default: none, a base trained from scratch). With --resume, a base no "
                    "longer there (moved, deleted, on another machine) is not needed: the run's checkpoint holds its "
                    "layers and records its sha256.")
# --n, --random-frozen: any integer, so that 0 is refused as 8 is, saying what n counts in the preset (config.py)
@config_option("--n", type=Whole(), metavar="N",
               help=f"Number of weight layers to copy, {config_checks.copyable_range()}: every weight layer but the "
                    "classifier at most (required with --copy-from, and only with it: no default).")
@config_option("--frozen/--fine-tune", help="Freeze the copied layers (AnB) or let them learn (AnB+; experiment "
                                            "plans these with --fine-tuned).")
@config_option("--random-frozen", type=Whole(), metavar="N",
               help=f"Control of §4.3: keep the first N layers ({config_checks.copyable_range()}) at their random "
                    "initialisation, frozen.")
@base_lr_option
@config_option("--momentum", type=Real(0, 1, max_open=True, float32=True),
               help="Momentum mu of Caffe's SGD: V = mu*V + lr*g, W = W - V (the paper's).")
@config_option("--weight-decay", type=Real(min=0, float32=True),
               help="L2 weight decay wd: g = dL/dW + wd*W, on weights, not on biases nor frozen layers (the "
                    "paper's).")
@config_option("--gamma", type=Real(0, 1, min_open=True, float32=True), help="Learning-rate factor at each step.")
@stepsize_option
@max_iter_option
@batch_size_option
@eval_every_option
@config_option("--eval-batch-size", type=Whole(1),
               help="Batch of the evaluations (default: batch-size; a resumed run's own).")
@config_option("--checkpoint-every", type=Whole(1),
               help=f"Write the run's checkpoint every K iterations (default: the preset's: "
                    f"{per_preset('checkpoint_every')}).")
@config_option("--log-every", type=Whole(1),
               help="A record in metrics.jsonl and, where no bar is drawn (output not a terminal), a progress line "
                    f"every K iterations (default: the preset's: {per_preset('log_every')}; a progress line at least "
                    f"every {Progress.LINE_SECONDS} s).")
@config_option("--resume", type=str, metavar="auto|RUN|CHECKPOINT",
               help="'auto': continue from the run directory's checkpoint if there is one (a finished run, even one "
                    "whose checkpoint was deleted, ends at once: nothing to do); a run folder (baseA.run, as train "
                    "writes it): continue that run as 'auto' does, its weights file being the default --out, and every "
                    "option left at its default taking the value the run was trained with (--data: where its folder "
                    "is still there); or a checkpoint file, which becomes the run's checkpoint.h5 (a finished run "
                    "resumed so from below its max-iter loses its result.json and weights until it finishes again). "
                    "With 'auto' or a checkpoint, give the options the run was trained with; an option given "
                    "otherwise than the run's is refused (exit 2).")
@config_option("--overwrite", is_flag=True,
               help="Start over even if the weights or the run's checkpoint exist: the previous run's weights and "
                    "run files are deleted as the new run starts, so they are gone even if it fails (with "
                    "--resume auto a checkpoint is continued instead).")
@device_option
@precision_option
@config_option("--allow-precision-change", is_flag=True,
               help="Only with --resume: continue a run trained in another --precision (such a resume is refused "
                    "otherwise).")
@config_option("--cuda-graph/--no-cuda-graph",
               help="CUDA: run each iteration as one replayed CUDA graph of fused kernels (same results; "
                    "new and not yet verified on a GPU, hence off by default).")
@config_option("--workers", type=Whole(0, MAX_WORKERS),
               help=f"Data loader processes, at most {MAX_WORKERS}; 0 loads the batches in the training process.")
@config_option("--progress/--no-progress", help="Progress bar (default: on a terminal).")
@config_option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON on stdout; its \"done: ...\" line then goes to stderr with the "
                   "progress (unless --quiet), even where stdout's reader has gone (| head: exit code 141).")
def train(as_json, **options):
    """Train one network: a base, a transfer (AnB / AnB+), a selffer (BnB) or a random-frozen control.

    Copying layers: --copy-from CKPT --n N copies weight layers 1..N (conv1..conv5, fc6, fc7),
    re-initialises the rest, and either freezes the copies (--frozen) or fine-tunes them (the
    default). A transfer copies from the base of the other half (A4B: baseA's first 4 layers, trained
    on half B), a selffer, its control, from the base of the same half (B4B); `minitransfer experiment
    --help` lists every name. The base's mean image goes with its layers. Files: the weights file, and its run
    directory (config.json, metrics.jsonl, eval.csv, checkpoint.h5, result.json) beside it.

    Output: progress, notes and warnings on stderr; the result, the line "done: final top-1 ...,
    best ...; weights in OUT, run files in RUN" (or, with --json, the result as JSON), on stdout, so that
    `train ... > result.txt` keeps it, also for a run found already finished (--quiet: nothing).

    Exit codes: 0 done (a warning names a --copy-from base's run file that report cannot read), 1 error
    (e.g. the loss diverged, a batch too large for the memory available), 2 usage (also: another process
    trains into the same run, or prepares the dataset; --device cuda where no GPU is usable), 65 bad data
    (dataset, checkpoint or class mismatch; a finished run's result.json damaged, or a folder in its
    place, or gone with its checkpoint: its weights kept, eval scores them), 74 a file could not be
    written (disk full, read-only folder; the previous files intact) or read (no permission, a failing
    disk, an NFS server gone: the file may be sound, rerun once repaired),
    75 interrupted by SIGINT/SIGTERM/SIGHUP (SIGHUP: the terminal closed; under nohup the run trains on)
    with a checkpoint written: rerun the same command with --resume auto (a fresh run stopped in its
    start-up, before its first checkpoint: the same command again); 141 the reader of its output went away (--json
    | head): the run finished, its "done: ..." line on stderr (unless --quiet), no error message.

    \b
    Examples:
      minitransfer train --split random --half A -o baseA.h5
      minitransfer train --split random --copy-from baseA.h5 --n 4 --frozen        # A4B.h5
      minitransfer train --copy-from baseA.h5 --n 4 --fine-tune -o A4B+.h5
      minitransfer train --copy-from baseA.h5 --n 3 --frozen -o A3A.h5 --half A   # selffer
      minitransfer train --split all --random-frozen 2                            # all-random2all.h5
      minitransfer train --data T --copy-from baseS.h5 --n 3 --frozen -o S3T.h5   # your data: S's base, T's images
      minitransfer train --data imagenet-256 --half A -o baseA.h5 --resume auto   # your data
    """
    ctx = click.get_current_context()
    typed = {name for name in options if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT,
                                                                                ParameterSource.DEFAULT_MAP)}

    if "seed" not in typed:  # unset: 0, or a copy's derived from its base's (config.resolve)
        options["seed"] = None
    c = config.TrainConfig(**options)

    def work():
        if "frozen" in typed and not c.frozen and c.random_frozen is not None:  # --frozen: check_combinations
            raise config_checks.ConfigError("--fine-tune applies to copied layers and needs --copy-from and --n "
                                            "(the --random-frozen layers stay frozen)")
        if "frozen" in typed and not c.frozen and c.copy_from is None and c.resume is None:  # a transfer meant
            raise config_checks.ConfigError("--fine-tune applies to copied layers and needs --copy-from and --n "
                                            "(without them train trains a base; leave --fine-tune out for one)")
        resumes.refuse_typed_otherwise(c, typed)  # --resume RUN would take the run's value for --seed 0 typed
        return training.train(c, show_result=as_json)  # with --json, among the progress lines on stderr

    result = run(work, interrupted=_INTERRUPTED_FRESH if c.resume is None else _INTERRUPTED if c.resume == "auto"
                 else _INTERRUPTED_GIVEN.format(shlex.quote(str(c.resume))))
    if as_json:
        echo(json_text(result.to_dict(), indent=2))  # strict JSON: a non-finite loss as null, as in result.json
    elif not c.quiet:
        _say_result(result)


def _say_result(result):
    """The result's line on stdout; dropped, as the progress lines are, where its reader has gone (the
    terminal closed under `trap '' HUP` or setsid, the `| tee` ended): the run is finished, its
    result.json written, and the exit code stays 0. A write refused otherwise (a full disk under
    ``> log``) is exit 74, said as standard output's fault."""
    with dropped_if_reader_gone():
        echo(result_line(result))
