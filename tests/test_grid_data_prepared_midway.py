"""A grid's dataset prepared again while the grid runs, between two of its runs (none training holds
it then: the grid waits for runs another process trains, or starts the next): the grid trained its
next runs on the new images, beside finished ones (and transfers of bases) of the old, unnoticed
until a rerun or the report refused the folder."""

import json
import sys
import textwrap

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_check, scheduler
from minitransfer.data import synthetic

# The train command: minitransfer train, after which the first base's train prepares the dataset
# again (another seed), as another process may between two runs of the grid.
TRAIN_THEN_PREPARE = textwrap.dedent('''
    import json, subprocess, sys
    from minitransfer.data import synthetic
    args = sys.argv[2:]
    code = subprocess.run([*json.loads(sys.argv[1]), *args]).returncode
    if args[args.index("--out") + 1].endswith("baseA.h5"):
        synthetic.build_synthetic(args[args.index("--data") + 1], classes=4, train_per_class=8, val_per_class=4,
                                  size=14, seed=2, overwrite=True)
    sys.exit(code)
''')


def test_a_dataset_prepared_again_between_runs_stops_the_grid_before_its_next_run(tmp_path):
    data, out = tmp_path / "data", tmp_path / "grid"
    before = synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    (tmp_path / "train.py").write_text(TRAIN_THEN_PREPARE)
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    options = {"data": str(data), "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}
    train = [sys.executable, str(tmp_path / "train.py"), json.dumps(list(grid.default_train_command()))]
    told = (rf"^{data} was prepared again .* \(sha256 of its meta.json {before.fingerprint[:12]} -> "
            rf"[0-9a-f]{{12}}\).* as --data; ")
    with pytest.raises(grid_check.DatasetPreparedAgain, match=told) as stopped:
        scheduler.run_grid(runs, out, options, train_command=train, log=lambda line: None, poll_seconds=0.01)
    outcome = stopped.value.grid_outcome
    assert outcome.finished == ["random0/baseA"]
    assert sorted(outcome.not_started) == ["random0/A1B", "random0/baseB"]
    assert not (out / "random0/baseB.run/result.json").exists() and not (out / "random0/A1B.h5").exists()
