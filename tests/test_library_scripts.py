"""minitransfer called from a researcher's script (``python my_experiment.py``): what a script
without ``if __name__ == '__main__':`` gets when the data loader's worker processes start, which
run the script again."""

import subprocess
import sys

from minitransfer import checkpoint as checkpoints

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


def _script(folder, data, guarded):
    """A script training one network with 2 loader workers, its call at the top level or under the guard."""
    call = f"train(TrainConfig(out='net.h5', data={data!r}, workers=2, **{FAST!r}))"
    body = f"if __name__ == '__main__':\n    {call}\n" if guarded else f"{call}\n"
    script = folder / ("guarded.py" if guarded else "unguarded.py")
    script.write_text(f"from minitransfer.train import TrainConfig, train\n{body}")
    return script


def _ran(script):
    return subprocess.run([sys.executable, script.name], cwd=script.parent, capture_output=True, text=True,
                          timeout=120)


def test_a_script_training_at_its_top_level_with_workers_is_told_to_guard_the_call(micro_data, tmp_path):
    """Each worker runs the script again and with it train(), which found the run folder busy (the
    parent's): "a data loader process died (exit codes [1, 1])" was all the script got. Now the
    error names the script and says what to do; the same script with the guard then trains."""
    unguarded = _ran(_script(tmp_path, micro_data, guarded=False))
    assert unguarded.returncode == 1
    last = unguarded.stderr.strip().splitlines()[-1]
    assert "WorkerDied" in last and "unguarded.py" in last, unguarded.stderr
    assert "`if __name__ == '__main__':`" in last and "`workers=0`" in last
    assert "in use by another" not in unguarded.stderr  # the workers' own train() stopped before the run lock
    assert not (tmp_path / "net.h5").exists()
    guarded = _ran(_script(tmp_path, micro_data, guarded=True))
    assert guarded.returncode == 0, guarded.stderr
    assert checkpoints.load(tmp_path / "net.h5").iteration == FAST["max_iter"]
