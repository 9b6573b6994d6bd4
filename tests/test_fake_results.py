"""The finished result the tests' fakes write (tests/fake_results.py) is one a real run's result.json matches:
every key that train writes (nested too), and read by report's reader as a finished run's."""

import json

from fake_results import FINISHED_RESULT, finished_result

from minitransfer import train as training
from minitransfer.result_checks import read_result


def _keys(record, prefix=""):
    """The keys of ``record``, nested ones as "final.top1"."""
    keys = set()
    for key, value in record.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


def test_the_fake_finished_result_has_every_key_of_a_real_one_and_is_read_as_finished(micro_data, tmp_path):
    out = tmp_path / "baseA.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, half="A", seed=0, max_iter=2, eval_every=2,
                                        batch_size=4, preset="micro", quiet=True, device="cpu"))
    real = json.loads((tmp_path / "baseA.run" / "result.json").read_text())
    missing = _keys(real) - _keys(FINISHED_RESULT)
    assert not missing, f"the fake result lacks {sorted(missing)}, which train writes: add them to fake_results.py"
    for record in (FINISHED_RESULT, finished_result(top1=0.5, best=0.6, mean10=0.55)):
        path = tmp_path / "fake.run" / "result.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(record))
        top, best, mean10, evaluations, iterations, scored = read_result(path)
        assert (top, best, mean10, evaluations, iterations) == (record["final"]["top1"], record["best_top1"],
                                                                record["mean10_top1"], record["evaluations"],
                                                                record["iterations"])
        assert scored == tuple(record["validation"][key] for key in ("images", "classes", "largest_class"))
        assert evaluations > 0  # finished with evaluations: an accuracy the report counts
