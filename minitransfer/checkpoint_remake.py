"""How a network is made again, as ``minitransfer info`` says it (:func:`provenance`): the train command of its
recorded options (:func:`train_command`, and the fields it cannot set: :func:`unknown_fields`), its dataset's
prepare command (:func:`prepare_command`), the MINITRANSFER_PRESET_SOURCES a preset of one's own needs, and the
digest of its network wherever its file lies (:func:`minitransfer.checkpoint_identity.network_sha256`).
"""

import dataclasses
import hashlib
import json
import pathlib

from minitransfer import models, rundir
from minitransfer.checkpoint_identity import network_sha256
from minitransfer.config_wording import command_line, option_name
from minitransfer.left_out import UnreadableRun
from minitransfer.recorded_config import INVOCATION_FIELDS
from minitransfer.rundir import recorded_file
from minitransfer.run_file_readers import file_bytes, read_json
from minitransfer.run_outcome import shard_size
from minitransfer.train_config import TrainConfig

# The on/off flags of the recorded fields that are booleans: each written either way in the command that makes a
# network again (:func:`train_command`), so that a later version's other default does not change what it trains.
FLAGS = {"frozen": ("--frozen", "--fine-tune"), "cuda_graph": ("--cuda-graph", "--no-cuda-graph")}
# The options of `prepare synthetic` its source record (meta.json's "source") holds, in the command's order.
SYNTHETIC_OPTIONS = ("classes", "train_per_class", "val_per_class", "seed", "size")
# TrainConfig's field names: a recorded config's options train can set (:func:`train_command`, :func:`unknown_fields`)
TRAIN_FIELDS = tuple(field.name for field in dataclasses.fields(TrainConfig))


def provenance(saved, result):
    """:func:`minitransfer.checkpoint_info.describe`'s facts of how the network was made and how to make it again
    (:func:`train_command`, :func:`prepare_command`, :func:`network_sha256`): ``network_sha256``, ``command``,
    ``unknown_fields``, ``command_variables`` (the variables it needs set: :func:`command_variables`),
    ``preset_sources`` (the MINITRANSFER_PRESET_SOURCES the command needs in a new shell, where its preset is one's
    own: :func:`minitransfer.models.preset_sources`; else None), and, from ``result``
    (the record of the result.json of its run folder, :func:`result_record`, read once by the caller, which
    :func:`minitransfer.dataset_recipe.import_command` takes too: {} where there is none), ``environment``;
    ``dataset_source`` and ``dataset_command`` from that result.json, else from
    the dataset's meta.json where it is still the one trained on."""
    config = saved.meta["config"]
    data = config.get("data")
    source, shards = recorded_dataset(result, data, saved.meta["dataset_fingerprint"])
    command = prepare_command(source, data, shards) if data else None
    preset = config.get("preset")
    environment = result.get("environment") if isinstance(result.get("environment"), dict) else None
    return {"network_sha256": network_sha256(saved), "command": train_command(config),
            "command_variables": command_variables(environment),
            "preset_sources": models.preset_sources(preset) if isinstance(preset, str) else None,
            "unknown_fields": unknown_fields(config),
            "environment": environment, "dataset_source": source, "dataset_command": command}


def train_command(config):
    """``["minitransfer", "train", ...]``: the command that trains the network of the recorded
    configuration ``config`` (config.json's, a checkpoint's "config") again, every recorded option
    given, a default too (a later version may change it); :data:`FLAGS` written either way (--fine-tune
    only for a copy: it needs one). Fields this version has no option for are left out
    (:func:`unknown_fields` names them)."""
    fields = {name: value for name, value in config.items()
              if name in TRAIN_FIELDS and name not in FLAGS and name not in INVOCATION_FIELDS}
    arguments = command_line(fields)
    for name, (on, off) in FLAGS.items():
        if name in config and (config[name] or name != "frozen" or config.get("copy_from")):
            arguments.append(on if config[name] else off)
    return ["minitransfer", "train", *arguments]


def command_variables(environment):
    """The environment variables the train command (:func:`train_command`) needs to make the bits of a CPU run
    whose result.json's ``environment`` (None: none read) records its BLAS threads
    (:func:`minitransfer.run_outcome.environment`): {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}; its
    kernels sum a product's terms in another order on another number of threads. Both, whatever variable gave the
    run its count (``blas_threads_variable``): OpenBLAS takes OPENBLAS_NUM_THREADS (or GOTO_NUM_THREADS) before
    OMP_NUM_THREADS, so that one exported in the user's shell overrode the OMP_NUM_THREADS=1 the command began with,
    and an OpenBLAS built with OpenMP reads OMP_NUM_THREADS alone. {} for a GPU's run and one of an earlier version
    (no record)."""
    environment = environment or {}
    threads = environment.get("blas_threads")
    if environment.get("device") != "cpu" or type(threads) is not int or threads < 1:  # JSON's true is no count
        return {}
    return dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"), str(threads))


def other_kernels(environment, here):
    """Why the command may make other bits here, where NumPy's BLAS chose other kernels (``here``:
    :func:`minitransfer.cpus.blas_kernels`) than those a CPU run's ``environment`` records; "" where it records
    the same, none (an earlier version's run) or the run trained on a GPU."""
    environment = environment or {}
    if environment.get("device") != "cpu" or "blas" not in environment or environment["blas"] == here:
        return ""
    return (f"NumPy's BLAS here is {here or 'not OpenBLAS'}, the run's was {environment['blas'] or 'not OpenBLAS'}: "
            f"its bits may differ, as each kernel sums a product's terms in its own order")


def unknown_fields(config):
    """The fields of the recorded ``config`` that this version's train has no option for (another
    version's record): the command of :func:`train_command` cannot set them."""
    return [name for name in config if name not in TRAIN_FIELDS and name not in INVOCATION_FIELDS]


def prepare_command(source, folder, per_shard=None):
    """``["minitransfer", "prepare", "synthetic", folder, ...]``: the command that generates the dataset of
    meta.json's ``source`` record into ``folder`` again, for a synthetic set of this generator's version
    (the same images, the same meta.json: the same fingerprint; ``per_shard``: its shards' images where
    it has several in a subset, which meta.json lists); None for another (an importer's, whose images are
    elsewhere, or another generator's)."""
    from minitransfer.data.synthetic import GENERATOR_VERSION  # here: the generator's module is large

    if not isinstance(source, dict) or source.get("kind") != "synthetic" \
            or source.get("generator_version") != GENERATOR_VERSION \
            or not all(isinstance(source.get(name), int) for name in SYNTHETIC_OPTIONS):
        return None
    options = [word for name in SYNTHETIC_OPTIONS for word in (option_name(name), str(source[name]))]
    shards = ["--shard-size", str(per_shard)] if per_shard else []
    return ["minitransfer", "prepare", "synthetic", str(folder), *options, *shards]


def recorded_dataset(result, folder, fingerprint):
    """(source, shard_size): what a network's dataset was made from (meta.json's "source" record) and the images
    in each of its shards where a subset had several (None: one), as the ``result`` record of its run
    (:func:`result_record`) holds them, else as the meta.json of its dataset ``folder`` does where it is still
    the one of sha256 ``fingerprint`` (:func:`dataset_meta`); None for each where neither says."""
    dataset = result.get("dataset")
    if isinstance(dataset, dict) and dataset:
        return dataset.get("source"), dataset.get("shard_size")
    meta = dataset_meta(folder, fingerprint)
    return meta.get("source"), shard_size(meta)


def result_record(run_folder):
    """The result.json in the network's ``run_folder`` as a dict; {} where there is none to read (or no folder)."""
    if run_folder is None:
        return {}
    try:
        return read_json(pathlib.Path(run_folder) / rundir.RESULT_FILE, dict)
    except (UnreadableRun, OSError):
        return {}


def dataset_meta(folder, fingerprint):
    """The meta.json of the dataset ``folder`` as a dict, where it is still the one of sha256 ``fingerprint``
    (not prepared again since); {} otherwise."""
    path = recorded_file(folder) / "meta.json" if folder else None
    try:  # read once inside reads_shared: info's "prepared again" (class_tables.prepared_again_since) reads it too
        text = file_bytes(path) if path is not None and path.is_file() else b""
    except (OSError, UnreadableRun):  # UnreadableRun: its folder cannot be looked into (run_file_readers.stamp)
        return {}
    if not text or hashlib.sha256(text).hexdigest() != fingerprint:
        return {}
    try:
        meta = json.loads(text)
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}
