"""Which runs of a report are one network (:func:`once`): a grid copied into another folder, or trained
again there with the same options, is counted once, as :mod:`minitransfer.results` reads the runs; a
network told by its treatment, dataset, precision and the options that change it (:func:`network_of`).
"""

import dataclasses
import json

from minitransfer.resume_options import GIVEN_FREE_FIELDS, RESUME_FREE_FIELDS

# The fields of a config.json that do not change the network trained: where it is written and the dataset's folder
# (the dataset's fingerprint stands in), the base's path (the sha256 of the base stands in: _same_network), and
# what a resumption may change. Every other field, one added later too, tells one network from another.
NOT_NETWORK = frozenset({"out", "data", "copy_from", *RESUME_FREE_FIELDS, *GIVEN_FREE_FIELDS})


def network_of(config):
    """(field, value) of every field of ``config`` (a run's config.json, {} where unknown) that
    changes the network trained, sorted, values made hashable (a list or mapping as its JSON);
    ``copy_from`` as whether one is given (:data:`NOT_NETWORK`)."""
    fields = {key: value for key, value in config.items() if key not in NOT_NETWORK}
    if "copy_from" in config:
        fields["copy_from"] = bool(config["copy_from"])
    return tuple(sorted((key, value if isinstance(value, (str, int, float, bool, type(None)))
                         else json.dumps(value, sort_keys=True)) for key, value in fields.items()))


class SameNetwork(str):
    """:func:`once`'s "COPY: the same network as NAME (...)" text of the run ``name``, a second copy of the network
    of the run ``kept`` (``label``: what the run is; ``seed``: its recorded training seed, None where it records
    none), which keeps its parts: report's refusal of mixed runs names the copy beside the run kept
    (:func:`minitransfer.report_mixed.mixed`) from them, never from the text, which a folder's name may hold
    anything of (" (", ": ")."""

    def __new__(cls, name, kept, label, seed):
        seeds = f"training seed {seed}" if seed is not None else "the same accuracies and learning curve"
        text = super().__new__(cls, f"{name}: the same network as {kept} ({label}, {seeds}; a copy of its folder, or "
                                    f"trained again with the same options), counted once, as {kept}")
        text.name, text.kept, text.label, text.seed = name, kept, label, seed
        return text

    def __getnewargs__(self):  # copied or pickled, it is made again from its parts
        return self.name, self.kept, self.label, self.seed


def _seed(result):
    """The training seed its config.json records; None where it records none."""
    seed = dict(result.network).get("seed")
    return seed if type(seed) is int else None


def once(results):
    """``(results, left_out)``: ``results`` (sorted by name) with every second copy of one network
    left out, as "name: why" texts (:class:`SameNetwork`: they keep the copy's name and the kept run's). Two runs
    are one network where they are the same treatment (kind, split and split seed, halves, n, fine-tuned or
    not), of the same dataset, precision and options that change the network (:func:`network_of`: preset, fc8
    outputs, schedule ...), trained with the same recorded seed from the same base (train is deterministic: a grid
    copied into another folder, or trained again there with the same options), or, where a seed or the base's
    sha256 is not recorded, with the same accuracies and learning curve (a copy). Counted twice, such a network
    halves the spread of its point and may make a finding hold that its one draw of the seed's luck
    cannot resolve. The first by name is kept; a base kept so lists in ``also_in`` the folders of its copies left
    out, whose other networks (another machine's transfers, trained from its copy) it is the own base of, and in
    ``weights_sha256`` the sha256 of each copy's weights file too, in ``network_sha256`` its network's digest
    (:func:`_with_copies`)."""
    kept, texts, copies, also_in = {}, [], set(), {}
    for r in results:
        key = (dataclasses.replace(r.run, name="", parent=None), r.fingerprint or r.dataset, r.preset, r.precision,
               r.schedule, r.network)
        first = next((k for k in kept.get(key, []) if _same_network(k, r)), None)
        if first is None:
            kept.setdefault(key, []).append(r)
            continue
        copies.add(r.run.name)
        if r.run.kind == "base":  # the own base of the networks in its folder, trained from it: found as `first`
            also_in.setdefault(first.run.name, []).append(r)
        texts.append(SameNetwork(r.run.name, first.run.name, r.run.label, _seed(r)))
    return [_with_copies(r, also_in[r.run.name]) if r.run.name in also_in else r
            for r in results if r.run.name not in copies], texts


def _with_copies(base, copies):
    """``base`` kept by :func:`once` for its ``copies`` too: their folders in ``also_in``, and the sha256 each
    recorded of its weights file in ``weights_sha256`` (its paths recorded there, another file's than the kept
    one's), which the transfers beside each copied from it (:meth:`minitransfer.comparisons.Bases.copied_otherwise`)."""
    sha256s = dict.fromkeys(base.weights_sha256 + tuple(s for copy in copies for s in copy.weights_sha256))
    networks = dict.fromkeys(base.network_sha256 + tuple(s for copy in copies for s in copy.network_sha256))
    return dataclasses.replace(base, also_in=tuple(copy.run.name.rpartition("/")[0] for copy in copies),
                               weights_sha256=tuple(sha256s), network_sha256=tuple(networks))


def _same_network(first, second):
    """Whether ``second``, of the same treatment, seed and options as ``first`` (:func:`once`), is
    the same network: trained with a recorded seed, from the same base where it copied one (its
    recorded sha256 in both, or, a base written in two places, the digest of its network in both:
    :func:`minitransfer.checkpoint_identity.network_sha256`), else with the same numbers."""
    numbers = [(r.final_top1, r.best_top1, r.mean10_top1, r.evaluations, r.curve) for r in (first, second)]
    if repr(numbers[0]) == repr(numbers[1]):  # repr: NaN (no evaluation) equals NaN
        return True
    if _seed(first) is None:
        return False
    copied = first.run.kind in ("selffer", "transfer") or dict(first.network).get("copy_from")
    return not copied or (bool(first.base_sha256) and first.base_sha256 == second.base_sha256) or \
        (bool(first.base_network_sha256) and first.base_network_sha256 == second.base_network_sha256)
