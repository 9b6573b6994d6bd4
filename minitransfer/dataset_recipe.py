"""How ``info`` says where a network's dataset came from (:func:`source_words`), and the prepare command that
imports it again from its source (:func:`import_command`): meta.json's "source" record, printed as raw JSON
("data source: {"families": null, ...}"), told a researcher neither what it was nor how to make it again."""

import json
import shlex

from minitransfer.checkpoint_remake import SYNTHETIC_OPTIONS, recorded_dataset
from minitransfer.data.same_origin import finishing_command

# The importers, as `prepare` names them (meta.json's source "kind"), and what their SOURCE holds.
IMPORTS = {"folder": "the class folders of", "cifar10": "CIFAR-10 from", "cifar100": "CIFAR-100 from",
           "imagenet": "ImageNet (ILSVRC2012) from", "tiny-imagenet": "Tiny ImageNet from"}


def import_command(source, folder, image_size, result, fingerprint):
    """``["minitransfer", "prepare", KIND, SOURCE, folder, ...]``: the command that imports the dataset of
    meta.json's ``source`` record (an importer's, :data:`IMPORTS`) into ``folder`` again from its SOURCE, as
    an unfinished import's is said (:func:`minitransfer.data.same_origin.finishing_command`: each option
    recorded, --size last), at ``image_size`` (the mean image's (H, W): the dataset's, as the loader checks it),
    with the --shard-size its shards were built with where a subset had several (from ``result``, the record of the
    network's result.json as its caller read it, :func:`minitransfer.checkpoint_remake.result_record`, None or {}
    where there is none; else from the dataset's meta.json where it is still the one of sha256 ``fingerprint``);
    None for a source of another kind, without its SOURCE's path, or of an image size unknown or not square
    (--size sets both sides)."""
    if not isinstance(source, dict) or source.get("kind") not in IMPORTS or not isinstance(source.get("path"), str):
        return None
    if not folder or image_size is None or len(set(image_size)) != 1:
        return None
    per_shard = recorded_dataset(result or {}, folder, fingerprint)[1]  # not read again: info read it once
    recorded = {"source": source, "image_size": list(image_size), "shard_size": per_shard}
    return shlex.split(finishing_command(folder, recorded))


def source_words(source):
    """What meta.json's ``source`` record says the dataset was made from, in words: an importer's SOURCE
    (:data:`IMPORTS`) and its layout, or a generator's version and options; the record as JSON for a kind
    this version does not know."""
    kind = source.get("kind") if isinstance(source, dict) else None
    if kind in IMPORTS and isinstance(source.get("path"), str):
        layout = f" ({source['layout']})" if isinstance(source.get("layout"), str) else ""
        return f"{IMPORTS[kind]} {source['path']}{layout}"
    if kind == "synthetic":  # here only where no command makes it again: another generator's, or misrecorded
        from minitransfer.data.synthetic import GENERATOR_VERSION  # here: the generator's module is large

        options = ", ".join(f"{name.replace('_', ' ')} {source.get(name)}" for name in SYNTHETIC_OPTIONS)
        return (f"synthetic images of generator version {source.get('generator_version')} ({options}); this "
                f"version's generator is version {GENERATOR_VERSION}, whose images are other")
    return json.dumps(source, sort_keys=True)  # a record of another kind, or damaged: shown as it is
