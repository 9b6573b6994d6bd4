"""``minitransfer info``: what a checkpoint holds and where it came from; where it stands (resumable,
finished, not finished and why) is said by :mod:`minitransfer.cli._info_state`."""

import shlex

import click

from minitransfer import checkpoint as checkpoints
from minitransfer import models, optim, transfer
from minitransfer.checkpoint_info import described
from minitransfer.checkpoint_remake import other_kernels
from minitransfer.cpus import blas_kernels
from minitransfer.class_tables import prepared_again_since
from minitransfer.data import inputs
from minitransfer.dataset_recipe import IMPORTS, source_words
from minitransfer.errors import MinitransferError
from minitransfer.own_presets import pasted, preset_of
from minitransfer.run_lines import random_frozen_words
from minitransfer.run_file_readers import reads_shared
from minitransfer.rundir import recorded_path

from ._errors import option_text, run
from ._info_state import state_words
from ._options import checkpoint_argument
from ._output import echo, json_text


@click.command(context_settings={"max_content_width": 100},
               short_help="Layers, frozen flags and provenance of a network.")
@checkpoint_argument
@click.option("--json", "as_json", is_flag=True,
              help="Print everything as JSON, with the full configuration and the class table (fc8's output "
                   "label: the class's index, wnid and name, as 'splits --format json' lists them). A field that "
                   "does not apply is null (diverged: null unless its run diverged after it); run: the network's "
                   "run folder (folder; a link to it resolved), the run's weights file and whether it is there "
                   "(weights_file, weights_file_exists), whose checkpoint or weights file it is (is_weights_file), "
                   "the PID training it now (training), that PID's machine where it is another (training_host), "
                   "and the SLURM job and node of a SLURM task training it (training_job, training_node: null "
                   "outside SLURM); run is null for a network without one.")
def info(checkpoint, as_json):
    """Layers, shapes, frozen flags and provenance of CHECKPOINT: a weights file, a checkpoint, or a
    run folder (its weights file once finished, else its checkpoint).

    Provenance: which network it is, in the paper's terms, as train's opening line and report name it
    (B4A, a transfer from a base on half B trained on half A; B4B, a selffer; A3B+; baseA; random2), the
    split, the dataset trained on with the sha256 of its meta.json (a dataset prepared again in its folder
    has another), the base's sha256 and, where the base was trained on
    other images, on which, where the base is none of the paper's bases what it was (a random-weights
    control, a checkpoint before the end of its run, a copy itself: where its copied layers were
    trained), the precision and its changes on resuming, and the mean image's source.
    A checkpoint before the end of its run is resumable (its run's: the command that goes on from it
    is named; while its training runs, the latest: the PID training it is named), unless the resume
    would refuse its run folder's logs (eval.csv lost or unreadable: why is said); one at its end
    (max_iter) is finished, and the last checkpoint of a run folder names that run's weights file, or
    where it would be (a folder renamed by hand has none beside it under its new name). A run whose
    training ended before it wrote its result.json (a full disk) is not finished, as report counts
    it: its network says so and how to finish it; nor is one whose result.json or config.json report
    cannot read (not JSON, truncated, empty, misshapen, a folder; a config.json missing): its network
    is shown, saying what to do, and report's reason goes to stderr (exit 65, or 74 where the system
    would not read the file); nor is one report leaves out for what its readable files say (a result.json of
    another iteration count than its config.json's max_iter, a grid's (the networks `experiment` trains)
    treatment.json that is not its folder's or contradicts its configuration, layers copied from another
    base than its treatment says, or from a base none of the paper's treatments copies): report's reason
    is said instead (exit 0: the network itself is sound). The checkpoint of a run whose training
    diverged after it says so: resumed, it would diverge again.

    How to make it again, for a reviewer given the run folder alone: the dataset's prepare command (a
    generated set's, from its run's result.json or its meta.json; an imported one's: its source in words
    and the command that imports it again from those images; else the dataset's recorded source),
    the sha256 of the network alone (its weights, classes, dataset fingerprint, split and iteration: a
    rerun writing another --out or --data has the same; the file's sha256 covers those paths too), the
    versions and device that trained it (its result.json), and the train command that makes it again,
    every recorded option given, defaults too ("made again by"; --json: command, dataset_command,
    dataset_source, network_sha256, environment, unknown_fields). A network of a preset of one's own
    (docs/presets.md; info run through the script that registers it) has its command begin with the
    MINITRANSFER_PRESET_SOURCES=... a new shell needs to know that preset (--json: preset_sources, else null).
    A CPU run's command begins with the BLAS thread count it trained on (OMP_NUM_THREADS=1 ...: another count
    sums in another order, other bits; --json: command_variables), and says where this machine's BLAS kernels
    are not the run's.

    Exit codes: 0 done, 2 usage (CHECKPOINT does not exist, or is a folder without a network: a
    dataset, a folder of datasets, a grid, a report's or an experiment's folder, a run that has not
    written a checkpoint yet; or a dataset's file, or a file plainly no network: an image, a NumPy or
    zip file, JSON, text not named .h5 or .hdf5), 65 bad data (another file that is not a checkpoint:
    text named .h5 or .hdf5, random bytes, another program's HDF5 file; a damaged or truncated
    checkpoint; its run's result.json or config.json that report cannot read), 74
    CHECKPOINT (or those files of its run) may not be read by this user, or the system fails to read it
    (a failing disk, a network file system's server gone: rerun once repaired), or the output could not be
    written, 75 interrupted (SIGINT, SIGTERM, SIGHUP), 141 its reader went away (| head), silently.

    \b
    Examples:
      minitransfer info A4B.h5
      minitransfer info baseA.run/checkpoint.h5 --json
      minitransfer info baseA.run
    """
    with reads_shared():  # the dataset's meta.json read once: for its record (described), and "prepared again" (_lines)
        summary, refusal = run(lambda: described(checkpoint))
        shown = json_text(summary, indent=2) if as_json else "\n".join(_lines(summary))
    echo(shown)
    if refusal is not None:  # the network is shown, but its run is none report reads: report's words, its exit code
        run(lambda: _refuse(refusal))


def _lines(summary):
    """The text ``info`` prints: a line for each fact, one for each layer; a tab, line break or
    backslash in a path is escaped (:func:`minitransfer.data.inputs.display_name`)."""
    split = summary["split"]
    half = f" half {split['half']}" if split["half"] else ""
    seed = f" seed {split['seed']}" if split["kind"] == "random" else ""  # the other splits are not drawn
    per_class = summary["config"].get("per_class")
    reduced = f", {per_class} training images per class (reduced data)" if per_class else ""
    state = state_words(summary)
    lines = [
        f"{inputs.display_name(summary['path'])}  sha256 {summary['sha256'][:16]}...",
        f"preset {summary['preset']}, {summary['parameters']:,} parameters, {summary['classes']} classes, "
        f"iteration {summary['iteration']}{state}",
        f"network {inputs.display_name(summary['network'])}",
        f"split {split['kind'] or '-'}{seed}{half}{reduced}",
        f"data {_dataset_text(summary['config'].get('data'), summary['dataset_fingerprint'])}",
    ]
    if summary["n_copied"]:
        source, n = summary["source"], summary["n_copied"]
        base = source.get("base") or {}  # none in a record written before train kept the base's own
        names = [layer["name"] for layer in summary["layers"]]
        kept = _frozen_copies_of_base(base, names)  # the base's frozen copies: trained where it copied them from
        scope = "" if not kept else f"layers {kept + 1}..{n} " if kept < n else None
        other = source.get("cross_dataset") and inputs.display_name(source.get("dataset") or "not recorded")
        origin = f" ({scope}trained on another dataset: {other})" if other else ""
        fingerprint = source.get("dataset_fingerprint", summary["dataset_fingerprint"])
        if not other and fingerprint != summary["dataset_fingerprint"]:  # its classes, other images (or prepared again)
            where = inputs.display_name(source.get("dataset") or "not recorded")
            origin = (f" ({scope}trained on other images of these classes: {where}, meta.json sha256 "
                      f"{fingerprint[:16]}...)")
        if scope is None:  # every copied layer is one the base kept frozen: never trained on its dataset
            origin = ""
        if source.get("precision", summary["precision"]) != summary["precision"]:
            origin += f" (trained in precision {source['precision']})"
        copied = "layer 1" if n == 1 else f"layers 1..{n}"
        lines.append(f"copied {copied} from sha256 {summary['parent_sha256'][:16]}...{origin}")
        lines.extend(_copied_from_line(source))
        lines.extend(_base_lines(base, n, kept, source.get("dataset")))
    if summary["random_frozen"]:
        lines.append(random_frozen_words(summary["n_frozen"]))
    if summary["precision"]:
        changes = "".join(f"; {change['from']} until iteration {change['iteration']}, then {change['to']}"
                          for change in summary["precision_changes"])
        lines.append(f"precision {summary['precision']}{changes}")
    lines.append(_mean_text(summary["mean_source"]))
    lines.extend(_dataset_recipe_lines(summary) + _made_lines(summary))
    lines.append(f"{'layer':<8}{'W':<20}{'b':<10}frozen")
    for layer in summary["layers"]:
        w = "x".join(map(str, layer["W"]))
        b = "x".join(map(str, layer["b"]))
        lines.append(f"{layer['name']:<8}{w:<20}{b:<10}{'yes' if layer['frozen'] else 'no'}")
    return lines


def _dataset_recipe_lines(summary):
    """How to get the dataset again: the prepare command of a generated one; else its recorded source in words
    (:func:`minitransfer.dataset_recipe.source_words`: an importer's images are elsewhere), with the command
    that imports it again from them where that is known; none where neither is (no result.json of this
    version, the dataset gone or prepared again)."""
    source, command = summary["dataset_source"], summary["dataset_command"]
    imported = isinstance(source, dict) and source.get("kind") in IMPORTS
    if command and not imported:
        return [f"data made by: {inputs.display_name(shlex.join(command))}"]
    if not source:
        return []
    again = f"; imported again from its images, as they were, by: {shlex.join(command)}" if command else ""
    return [f"data source: {inputs.display_name(source_words(source) + again)}"]


def _made_lines(summary):
    """What made the network (its run's result.json's ``environment``), the digest of the network alone
    (:func:`minitransfer.checkpoint_identity.network_sha256`), which a rerun elsewhere matches, and the train
    command that makes it again, every option given (:func:`minitransfer.checkpoint_remake.train_command`)."""
    lines = [f"network sha256 {summary['network_sha256']} (the same for a rerun with another --out or "
             f"--data; the file's sha256 covers those paths too)"]
    made = summary["environment"]
    if made:
        lines.append(f"trained with minitransfer {made.get('minitransfer')}, Python {made.get('python')}, NumPy "
                     f"{made.get('numpy')}, h5py {made.get('h5py')}"
                     + (f", CuPy {made['cupy']}" if made.get("cupy") else "")
                     + f" on {made.get('device')} ({made.get('platform')})" + _blas_words(made))
    unknown, changes = summary["unknown_fields"], summary["precision_changes"]
    caveats = [f"this version has no option for its recorded {', '.join(unknown)}"] * bool(unknown)
    if changes:  # one command trains in one precision: the run's first part was trained in another
        caveats.append(f"it trains in {summary['precision']} throughout: this run was trained in "
                       f"{changes[0]['from']} until iteration {changes[0]['iteration']} (see precision above)")
    data, fingerprint = summary["config"].get("data"), summary["dataset_fingerprint"]
    if prepared_again_since(data, fingerprint):  # the command would train on the dataset the folder holds now
        caveats.append(f"its --data {inputs.display_name(data)} was prepared again since it trained (sha256 of its "
                       f"meta.json {fingerprint[:12]} then): that folder holds another dataset now; give a copy of "
                       f"the one it was trained on")
    refused = _schedule_refused(summary["config"])
    if refused:  # an earlier version trained it; this one trains no new network so
        caveats.append(f"which this version refuses for a new network: {refused}; the run itself is kept, "
                       f"reported and resumed as it is")
    preset = preset_of(summary["config"])
    if preset is not None and models.unsourced(preset):  # no file to name: a new shell refuses the preset
        caveats.append(f"preset {preset!r} is one of your own, registered here by code with no file to run (an "
                       f"interactive session): a new shell knows it once that code has registered it; "
                       f"docs/presets.md")
    kernels = other_kernels(made, blas_kernels()) if made else ""
    caveats += [kernels] * bool(kernels)  # the same kernels on as many threads: the same bits
    variables = "".join(f"{name}={value} " for name, value in summary["command_variables"].items())
    lines.append("made again by: " + variables + pasted(inputs.display_name(shlex.join(summary["command"][1:])), preset)
                 + "".join(f" ({caveat})" for caveat in caveats))
    return lines


def _blas_words(made):
    """", NumPy's BLAS OpenBLAS Haswell on 1 thread": the BLAS a run's ``made`` environment records, on which a CPU
    training's bits depend (:func:`minitransfer.run_outcome.environment`); "" where it records none (an earlier
    version) or its run trained on a GPU."""
    threads = made.get("blas_threads")
    if made.get("device") != "cpu" or not isinstance(threads, int):
        return ""
    return f", NumPy's BLAS {made.get('blas') or 'not OpenBLAS'} on {threads} thread{'s' * (threads != 1)}"


def _schedule_refused(config):
    """Why this version refuses the schedule of the recorded ``config`` for a new network
    (:func:`minitransfer.optim.run_solver`: its rate stepped below float32's normal numbers), in the command
    line's words, or "" where it takes it (an earlier version, before 0.8.0, trained such a schedule). Each
    solver field is read as train reads its option from the command info prints: its value's text."""
    try:
        schedule = {name: (float if name in optim.RATES else int)(str(value))
                    for name, value in config.items() if name in optim.SOLVER_FIELDS
                    and value is not None and value is not False}  # left out of the command: the default
        optim.run_solver(**schedule)
    except optim.ScheduleError as error:
        if _base_records(recorded_path(config.get("copy_from") or None), schedule):
            return ""  # train takes the schedule its base records (config_records.solver_of)
        return option_text(str(error).removeprefix("solver: "))
    except ValueError:
        return ""  # a record no solver takes: its resume says so
    return ""


def _base_records(base, schedule):
    """Whether the base checkpoint ``base`` (a copy's --copy-from, as this locale names it: the record's UTF-8
    text named no file under LC_ALL=C or Latin-1; None for a base) records ``schedule``, which train then takes
    for a copy of it, as a grid's transfers of bases an earlier version trained; False where it cannot be read."""
    try:
        recorded = checkpoints.read_meta(base)["config"] if base is not None else None
    except (MinitransferError, OSError, KeyError, TypeError):
        return False
    return recorded is not None and all(recorded.get(name) == value for name, value in schedule.items())


def split_words(kind, seed):
    """A split as info and eval name it: "random split seed 0", "the natural split"."""
    return f"random split seed {seed}" if kind == "random" else f"the {kind} split"


def _copied_from_line(source):
    """The base's weights file, where the copy found it, and what it was trained on: the sha256 alone
    did not say which network that was (baseA, the other half's base, a base of another split seed).
    No line where the record holds no path (one written before train kept it)."""
    path = source.get("checkpoint")
    if not path:
        return []
    kind, half = source.get("split_kind"), source.get("split_half")
    trained = (f", trained on half {half} of {split_words(kind, source.get('split_seed'))}" if kind and half else
               ", trained on every class" if kind == "all" else "")
    return [f"base {inputs.display_name(path)}{trained}"]


def _frozen_copies_of_base(base, names):
    """How many of the first layers of ``names`` the base (its record:
    :func:`minitransfer.transfer.base_provenance`) had itself copied and kept frozen: their weights
    are its base's, trained where that was; 0 for none."""
    copied = base.get("n_copied") or 0
    frozen = set(base.get("frozen_layers") or ())
    return copied if copied and all(name in frozen for name in names[:copied]) else 0


def _base_lines(base, n, kept, dataset):
    """What ``info`` says of a base that is none of the paper's
    (:func:`minitransfer.transfer.base_caveats`): random layers, a checkpoint before the end of its
    run, layers it copied from another network (``kept`` of them frozen: 0 when it fine-tuned them on
    ``dataset``, its own)."""
    lines = []
    if base.get("random_frozen"):
        random = base["random_frozen"]
        lines.append(f"layers 1..{random} of the base were random and frozen (a random-weights control): "
                     f"copied layers 1..{min(random, n)} were never trained")
    iteration, max_iter = base.get("iteration"), base.get("max_iter")
    if isinstance(iteration, int) and isinstance(max_iter, int) and iteration < max_iter:
        lines.append(f"the base had trained {iteration} of {max_iter} iterations "
                     f"(a checkpoint before the end of its run)")
    if base.get("n_copied"):
        origin = base.get("source") or {}
        copied_from = inputs.display_name(origin.get("checkpoint") or "a network not recorded")
        trained_on = inputs.display_name(origin.get("dataset") or "a dataset not recorded")
        how = "frozen" if kept else "and fine-tuned"
        tuned = "" if kept else f", then on {inputs.display_name(dataset or 'its own dataset')}"
        deeper = transfer.base_caveats(origin.get("base") or {})
        lines.append(f"the base's layers 1..{base['n_copied']} were copied {how} from {copied_from}, trained on "
                     f"{trained_on}{tuned}" + (f"; {copied_from} is {' and '.join(deeper)}" if deeper else ""))
    return lines


def _mean_text(source):
    """Where the mean image subtracted from the network's crops came from. A base's mean that was
    itself a base's (a transfer copied from a transfer) is followed to the dataset it is the mean of:
    "from checkpoint A4B.h5" alone hid that it is another dataset's, resized on the way; a base's own mean
    names its dataset too ("from checkpoint X_base.h5" did not say it is X's, a transfer across datasets)."""
    def resized(record):
        size = record.get("resized_from")
        return f" (resized from {'x'.join(map(str, size))})" if size else ""

    mean_from = source.get("checkpoint") or source.get("dataset", "")
    text = f"mean image from {source.get('kind', '-')} {inputs.display_name(mean_from)}{resized(source)}"
    hops = 0
    while source.get("kind") == "checkpoint" and source.get("from", {}).get("kind") == "checkpoint":
        source, hops = source["from"], hops + 1
        text += f", which took it from checkpoint {inputs.display_name(source.get('checkpoint', ''))}{resized(source)}"
    origin = source.get("from", {}) if source.get("kind") == "checkpoint" else {}
    if origin.get("kind") == "dataset" and origin.get("dataset"):  # one hop too: a base of another dataset
        text += f", the mean of dataset {inputs.display_name(origin['dataset'])}"
    return text


def _refuse(error):
    """After ``info`` described a network whose run's result.json or config.json report cannot read:
    report's ``error`` for it, which says it on stderr and exits 74 where the system would not read
    the file, else 65."""
    raise error


def _dataset_text(path, fingerprint):
    """The dataset a network was trained on, as ``info`` names it: its folder and the sha256 of its
    meta.json (which tells it from another dataset prepared in that folder since)."""
    return (inputs.display_name(path) if path else "not recorded") + \
        (f" (meta.json sha256 {fingerprint[:16]}...)" if fingerprint else "")
