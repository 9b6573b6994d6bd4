"""A finished run's result.json as train writes it, for the tests that make a run look finished by hand or
through a fake train (:func:`finished_result`; :data:`FINISHED_JSON` to embed in a fake's script), and a grid
folder of such runs (:func:`finished_grid`).
tests/test_fake_results.py checks it against the result.json of a run trained for real: every key there, and
read by report's reader, so that a fake cannot silently stop being a finished run where that schema changes."""

import json
import math

from minitransfer import experiment as grid
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, curve_sums, result_sha256


def finished_result(top1=0.5, best=None, mean10=None, evaluations=10, iterations=20):
    """A result.json's record of a finished run: final top-1 ``top1``, ``best`` (by default the larger of
    ``top1`` and ``mean10``), the paper's ``mean10`` (by default ``top1``), of ``evaluations`` evaluations over
    ``iterations``. Its weights record matches no file (size 0, mtime 0): a reader hashes the weights instead; it
    was scored on 1,000 validation images of 10 classes of 100 (well above chance at the accuracies the fakes give).
    Its digest of itself as train writes it: a test that changes a field after makes a result report refuses; its
    digest of the eval.csv rows it sums up, of none: a fake writes no eval.csv (nor is one read where none is)."""
    mean10 = top1 if mean10 is None else mean10
    best = max(top1, mean10) if best is None else best
    record = {"out": "fake.h5", "run_dir": "fake.run", "iterations": iterations,
              "final": {"iteration": iterations, "top1": top1, "top5": 1.0, "loss": 1.0},
              "best_top1": best, "mean10_top1": mean10, "evaluations": evaluations, "seconds": 0.1,
              "ms_per_iteration": 5.0,
              "weights": {"sha256": "0" * 64, "size": 0, "mtime_ns": 0, "network_sha256": "0" * 64},
              "validation": {"images": 1000, "classes": 10, "largest_class": 100},
              "environment": {"minitransfer": "0.0", "python": "3", "numpy": "2", "h5py": "3", "cupy": None,
                              "platform": "fake", "device": "cpu", "blas": "OpenBLAS Fake", "blas_threads": 1,
                              "blas_threads_variable": "OMP_NUM_THREADS"},
              "dataset": {"fingerprint": "0" * 64, "shard_size": 8,
                          "source": {"kind": "synthetic", "generator_version": 1, "classes": 10, "train_per_class": 8,
                                     "val_per_class": 100, "seed": 0, "size": 32}},
              CURVE_SUMS: curve_sums([])}
    return {**record, RESULT_SHA256: result_sha256(record)}


FINISHED_RESULT = finished_result()
# A Python literal of its JSON text, to put in a fake train's script: result = json.loads(FINISHED_JSON)
FINISHED_JSON = repr(json.dumps(FINISHED_RESULT))


def finished_grid(out, layers, top1=0.6, both_directions=False, accuracy=None):
    """The grid folder ``out`` of the runs :func:`minitransfer.experiment.plan_grid` plans at ``layers`` (baseA,
    baseB and their transfers; both halves' with ``both_directions``), each finished by hand: a weights file, its
    treatment.json and a result.json of :func:`finished_result` at ``top1``; returns ``out``. ``accuracy``
    ({label: top-1}, where given): only the runs it names, each at its own top-1 (NaN: a run without evaluations)."""
    for run in grid.plan_grid(layers=layers, both_directions=both_directions):
        label = run.name.split("/")[1]
        if accuracy is not None and label not in accuracy:
            continue
        score = top1 if accuracy is None else accuracy[label]
        folder = grid.run_dir(out, run)
        folder.mkdir(parents=True)
        grid.weights_path(out, run.name).write_text("weights")
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
        record = finished_result(top1=score, evaluations=0) if math.isnan(score) else finished_result(top1=score)
        (folder / "result.json").write_text(json.dumps(record))
    return out
