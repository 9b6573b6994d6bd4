"""minitransfer called from a researcher's script (``python my_experiment.py``): what a script
without ``if __name__ == '__main__':`` gets when the data loader's or an import's worker processes
start, which run the script again."""

import subprocess
import sys

import pytest
from PIL import Image

from minitransfer import checkpoint as checkpoints
from minitransfer.data import dataset as ds
from minitransfer.data.decoder_pool import SCRIPT_RERUN_EXIT

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


def _script(folder, data, guarded):
    """A script training one network with 2 loader workers, its call at the top level or under the guard."""
    call = f"train(TrainConfig(out='net.h5', data={data!r}, workers=2, **{FAST!r}))"
    return _write_script(folder, "from minitransfer.train import TrainConfig, train", call, guarded)


def _write_script(folder, imports, call, guarded):
    """``folder``/unguarded.py (or guarded.py): ``imports``, then ``call`` at the top level (or under the guard)."""
    body = f"if __name__ == '__main__':\n    {call}\n" if guarded else f"{call}\n"
    script = folder / ("guarded.py" if guarded else "unguarded.py")
    script.write_text(f"{imports}\n{body}")
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


def _image_folder(root, classes=2, per_class=4):
    """A class-folder tree of small PNG files, each of its own colour (no copies to leave out)."""
    for label in range(classes):
        (root / f"class{label}").mkdir(parents=True)
        for number in range(per_class):
            colour = (40 * label, 30 * number, 200)
            Image.new("RGB", (12, 10), colour).save(root / f"class{label}" / f"{number}.png")
    return root


def test_a_script_importing_at_its_top_level_with_workers_is_told_to_guard_the_call(tmp_path):
    """Each decoding process runs the script again and with it import_folder(), which found the
    dataset's lock held (the parent's): "a decoding process ended unexpectedly (exit code 1 ...)"
    was all the script got. Now the error names the script and says what to do; the same script
    with the guard then imports."""
    source = _image_folder(tmp_path / "images")
    call = f"import_folder({str(source)!r}, 'imported', val_fraction=0, size=8, workers=2)"
    unguarded = _ran(_write_script(tmp_path, "from minitransfer.data.folder import import_folder", call, False))
    assert unguarded.returncode == 1
    last = unguarded.stderr.strip().splitlines()[-1]
    assert "WorkerDied" in last and "unguarded.py" in last, unguarded.stderr
    assert "decoding processes" in last and "`if __name__ == '__main__':`" in last and "`workers=0`" in last
    assert "import_folder() called again" in unguarded.stderr  # said by the workers, before the lock
    assert "ended unexpectedly" not in unguarded.stderr
    assert not (tmp_path / "imported" / "meta.json").exists()
    guarded = _ran(_write_script(tmp_path, "from minitransfer.data.folder import import_folder", call, True))
    assert guarded.returncode == 0, guarded.stderr
    assert ds.open_dataset(tmp_path / "imported").meta["subsets"]["train"]["count"] == 2 * 4


def _starting(method, top_level, target):
    """A script that calls ``top_level`` at its top level, then (under the guard) starts one
    ``method`` process running ``target`` and prints its exit code."""
    return (f"import multiprocessing\nfrom minitransfer.data.decoder_pool import refuse_in_script_rerun\n"
            f"def target():\n    {target}\n{top_level}\n"
            f"if __name__ == '__main__':\n"
            f"    process = multiprocessing.get_context({method!r}).Process(target=target)\n"
            f"    process.start()\n    process.join()\n    print('exit', process.exitcode)\n")


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_call_run_again_as_a_process_starts_is_refused_and_one_in_the_started_process_is_not(tmp_path, method):
    """refuse_in_script_rerun tells the main script run again as a process starts (spawn, and
    forkserver, which starts each process the same way) from the same call in the process once
    started (a training in a process of its own). multiprocessing.parent_process(), the public
    function that might have told them apart, is None while the script runs again, in both: a check
    built on it refused neither."""
    script = tmp_path / "script.py"
    script.write_text(_starting(method, "refuse_in_script_rerun('train()')", "pass"))
    again = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    said, code = again.stdout.split()
    # forkserver ends a process that exits while starting with its own code (1)
    assert said == "exit" and (code == str(SCRIPT_RERUN_EXIT) if method == "spawn" else code != "0"), again.stderr
    assert "train() called again in a worker process starting" in again.stderr
    script.write_text(_starting(method, "", "refuse_in_script_rerun('train()'); print('trained', flush=True)"))
    later = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert later.stdout.split() == ["trained", "exit", "0"], later.stderr
