"""The paper's operation: build a network whose first n layers come from another one.

Transfer (Yosinski et al. 2014, §2 and Figure 1). ``copy_from`` + ``n`` copies weight layers 1..n
of a base checkpoint (shape-checked) and leaves n+1..end at their Caffe fillers; ``frozen``
freezes the copied layers (AnB), otherwise they fine-tune (AnB+). ``random_frozen`` n freezes the
first n layers at their random start (§4.3). A resumed run restores every weight and momentum
buffer from its checkpoint instead. :func:`snapshot` is the inverse: the checkpoint of a net in
training, with the provenance the paper's figures need.
"""

from minitransfer import checkpoint as checkpoints
from minitransfer import models, stopping
from minitransfer.checkpoint_identity import file_network_sha256
from minitransfer.class_tables import classes_sha256
from minitransfer.config_records import base_seed
from minitransfer.config_wording import worded
from minitransfer.layers import to_numpy
from minitransfer.ops import precision as precisions
from minitransfer.recorded_config import precision_changes, precision_history, recorded_options
from minitransfer.rundir import record_path, recorded_path


def build_net(plan):
    """The network of ``plan`` (a :class:`minitransfer.config.Plan`): initialised, layers copied /
    frozen, momentum restored when resuming, on the plan's device."""
    c = plan.config
    net = plan.preset.check(plan.preset.build(c.fc8_outputs))  # a preset of one's own may misdescribe its network
    net.initialize(c.seed)
    if plan.parent is not None:
        if plan.resume_from is None:
            _warn_of_base_seed(plan, net)
        copy_layers(net, plan.parent, c.n)
    if plan.parent is not None or c.random_frozen is not None:  # a base's layers: as its preset built them
        net.freeze(plan_frozen(plan))
    if plan.resume_from is not None:
        restore(net, plan.resume_from)
    return net.to(plan.device, precision=c.precision)


def frozen_layers(copies, n, frozen, random_frozen):
    """How many weight layers from the bottom a run freezes, the one rule :func:`build_net` freezes them by and
    the memory estimates size a run by (``minitransfer.preflight_memory``, a grid's:
    ``minitransfer.grid_preflight``): a transfer's (``copies``: it copies from a base) `n` copied layers where
    ``frozen`` (AnB; AnB+ fine-tunes them: none), else a base's first ``random_frozen`` at their random start
    (the random-weights control, §4.3; None: none)."""
    if copies:
        return n if frozen else 0
    return random_frozen or 0


def plan_frozen(plan):
    """:func:`frozen_layers` of ``plan`` (a :class:`minitransfer.config.Plan`): its `copy_from` read, `n`,
    `frozen` and `random_frozen`."""
    c = plan.config
    return frozen_layers(plan.parent is not None, c.n, c.frozen, c.random_frozen)


def _warn_of_base_seed(plan, net):
    """Warn where a copy starts from the seed its base was trained with (given so: the default is
    derived, :func:`minitransfer.config_records.base_seed`): its new layers start where the base's started,
    and it draws the base's data order, crops and dropout, which the paper's independent draws do not."""
    c, parent = plan.config, plan.parent
    if parent.recorded_in is not None or c.seed != base_seed(parent):
        return
    fresh = net.weight_layer_names[c.n:]
    stopping.warn(stopping.WARNING + worded(
        f"`seed` {c.seed} is the seed {plan.named.copy_from} was trained with: the new layers "
        f"{fresh[0]}..{fresh[-1]} start from the weights its layers started from, and the run draws its data "
        f"order, crops and dropout as the base did (the paper draws them anew); give another `seed`, or leave it "
        f"unset to derive one from the base's"))


def copy_layers(net, source, n):
    """Copy weight layers 1..n of checkpoint ``source`` into ``net`` (shapes checked); the rest keep
    their fillers."""
    net.check_layer_count("copy", n)  # n = -1 would slice off fc8 alone and copy the rest
    names = net.weight_layer_names[:n]
    checkpoints.check_architecture(source, net, layers=names)
    for name in names:
        net.layer(name).set_weights(*source.weights[name])


def restore(net, saved):
    """Every weight and momentum buffer of ``net`` from the resumable checkpoint ``saved``."""
    for name in net.weight_layer_names:
        layer = net.layer(name)
        layer.set_weights(*saved.weights[name])
        velocity_w, velocity_b = saved.solver.velocity[name]
        layer.weight.velocity[...] = velocity_w
        layer.bias.velocity[...] = velocity_b


def load_net(saved, device="cpu", precision=None):
    """The network stored in checkpoint ``saved`` (weights and frozen flags), on ``device``,
    computing in ``precision`` (default: the one it was trained in)."""
    if saved.preset not in models.PRESETS:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path}: unknown preset {saved.preset!r}")
    if not saved.weights:  # fc8's width is read off the last layer: without one there is no network to build
        raise checkpoints.CheckpointError(f"checkpoint {saved.path}: holds no weight layers (the file is incomplete)")
    num_outputs = saved.weights[list(saved.weights)[-1]][0].shape[0]
    net = models.PRESETS[saved.preset].build(num_outputs)
    checkpoints.check_architecture(saved, net)
    for name in net.weight_layer_names:
        net.layer(name).set_weights(*saved.weights[name])
        net.layer(name).frozen = saved.frozen.get(name, False)
    return net.to(device, precision=precision or saved.meta["config"].get("precision", precisions.DEFAULT))


def source_of(plan):
    """Where the copied layers come from: the base checkpoint (its path, the file's sha256 and its network's,
    :func:`minitransfer.checkpoint_identity.network_sha256`, which a base's copy elsewhere has too), its dataset,
    split and images per class (``per_class``: None for every image), whether that dataset is another one than
    this run's, the precision the base was trained in (:func:`minitransfer.recorded_config.precision_history`) and
    what the base itself was (``base``: :func:`base_provenance`); {} for a run that copies nothing. A resumed run
    whose base is not there keeps what its checkpoint recorded."""
    parent = plan.parent
    if parent is None:
        return {}
    if parent.recorded_in is not None:  # a base not there (resume.read_base): as the checkpoint recorded it
        return plan.resume_from.meta["source"]
    meta = parent.meta
    # paths as UTF-8 text in every locale (a base's record of an earlier version's, as LC_ALL=C read it, too)
    return {"checkpoint": record_path(parent.path), "sha256": parent.sha256,
            "network_sha256": file_network_sha256(parent),
            "dataset": record_path(recorded_path(meta["config"].get("data", ""))),
            "dataset_fingerprint": meta["dataset_fingerprint"],
            "dataset_classes_sha256": meta["dataset_classes_sha256"],
            "classes": len(parent.classes), "split_kind": meta["split_kind"], "split_seed": meta["split_seed"],
            "split_half": meta["split_half"], "per_class": meta["config"].get("per_class"),
            "cross_dataset": bool(plan.cross_dataset), "precision": precision_history(meta),
            "base": base_provenance(meta)}


# What a base's own record of its base keeps (:func:`base_provenance`): enough to say where its copied layers
# were trained, and, through its own "base", theirs.
BASE_SOURCE_KEYS = ("checkpoint", "dataset", "cross_dataset", "split_kind", "split_half", "per_class", "base")


def base_provenance(meta):
    """What a base was when its layers were copied, from its checkpoint's ``meta``: how far it had
    trained (``iteration`` of its ``max_iter``: a checkpoint before the end of its run has fewer),
    how many of its first layers were random and frozen (``random_frozen``: a random-weights control,
    §4.3; else None), the layers it had itself copied (``n_copied``) and those frozen
    (``frozen_layers``), and where it copied them from (``source``: its own record, cut to
    :data:`BASE_SOURCE_KEYS`; {} for a base that copied nothing)."""
    source = meta["source"] if int(meta["n_copied"]) else {}
    return {"iteration": int(meta["iteration"]), "max_iter": meta["config"].get("max_iter"),
            "random_frozen": int(meta["n_frozen"]) if meta["random_frozen"] else None,
            "n_copied": int(meta["n_copied"]), "frozen_layers": list(meta["frozen_layers"]),
            "source": {key: source[key] for key in BASE_SOURCE_KEYS if key in source}}


def base_caveats(base):
    """Why the base a record ``base`` (:func:`base_provenance`) describes is none of the paper's bases,
    which train every layer from random weights to the end of their run, as phrases naming what it
    is ("a checkpoint at iteration 102 of the 3000 of its run (not trained to its end)"); [] for
    such a base, or a record without the facts (written before train recorded them: unknown, not
    refused)."""
    caveats = []
    if base.get("random_frozen"):
        caveats.append(f"a random-weights control (its layers 1..{base['random_frozen']} random and frozen, "
                       f"never trained)")
    iteration, max_iter = base.get("iteration"), base.get("max_iter")
    if isinstance(iteration, int) and isinstance(max_iter, int) and iteration < max_iter:
        caveats.append(f"a checkpoint at iteration {iteration} of the {max_iter} of its run (not trained to its end)")
    if base.get("n_copied"):
        copied_from = base.get("source", {}).get("checkpoint") or "another network"
        caveats.append(f"a copy (its layers 1..{base['n_copied']} copied from {copied_from})")
    return caveats


def snapshot(net, plan, iteration, cursor):
    """The resumable checkpoint of ``net`` after ``iteration`` iterations of ``plan``, with the data
    loader's ``cursor`` and the provenance DESIGN.md §6 lists."""
    c = plan.config
    parent = plan.parent
    meta = {
        "classes": plan.classes,
        "dataset_fingerprint": plan.dataset.fingerprint,
        "dataset_classes_sha256": classes_sha256(plan.dataset),
        "split_kind": c.split, "split_seed": int(c.split_seed), "split_half": c.half or "",
        "n_copied": int(c.n or 0), "n_frozen": int(sum(net.frozen)),
        "frozen_layers": [layer.name for layer in net.weight_layers if layer.frozen],
        "random_frozen": c.random_frozen is not None,
        "parent_sha256": parent.sha256 if parent is not None else "",
        "source": source_of(plan),
        "mean_source": plan.mean_source,
        "iteration": int(iteration),
        "config": recorded_options(plan),  # as config.json records it: out where it is, the device resolved
        "precision_changes": precision_changes(plan),
    }
    velocity = {layer.name: (to_numpy(layer.weight.velocity), to_numpy(layer.bias.velocity))
                for layer in net.weight_layers}
    return checkpoints.Checkpoint(
        preset=net.preset, weights=net.weights(),
        frozen={layer.name: layer.frozen for layer in net.weight_layers}, meta=meta, mean=plan.mean,
        solver=checkpoints.Solver(iteration=int(iteration), seed=int(c.seed), cursor=cursor, velocity=velocity),
    )
