"""A researcher's script iterating a BatchLoader with workers at its top level (its docstring's example, without
``if __name__ == '__main__':``): each worker, started by running the script again, made a loader of its own there,
whose workers multiprocessing refused to start in a process still starting ("An attempt has been made to start a
new process before the current process has finished its bootstrapping phase", a traceback from each), and the
script got "a data loader process died (exit codes [1, 1] ...)". Now it is told to guard the call, as train()'s
caller is (tests/test_library_scripts.py)."""

import subprocess
import sys


def _script(folder, data, guarded):
    lines = ["import numpy as np", "from minitransfer.data import dataset, loader",
             f"data = dataset.open_dataset({data!r})",
             "labels = data.labels('train').astype(np.int32)",
             "with loader.BatchLoader(data, 'train', np.arange(len(labels)), labels, 8, 12, train=True, workers=2)"
             " as batches:",
             "    print(next(batches)[0].shape)"]
    body = "\n".join(lines) + "\n"
    if guarded:
        body = "def main():\n" + "".join(f"    {line}\n" for line in body.splitlines()) + \
            "if __name__ == '__main__':\n    main()\n"
    script = folder / ("guarded.py" if guarded else "unguarded.py")
    script.write_text(body)
    return subprocess.run([sys.executable, script.name], cwd=folder, capture_output=True, text=True, timeout=120)


def test_a_script_loading_batches_at_its_top_level_with_workers_is_told_to_guard_the_call(micro_data, tmp_path):
    unguarded = _script(tmp_path, micro_data, guarded=False)
    assert unguarded.returncode == 1
    last = unguarded.stderr.strip().splitlines()[-1]
    assert "WorkerDied" in last and "unguarded.py" in last, unguarded.stderr
    assert "`if __name__ == '__main__':`" in last and "`workers=0`" in last
    assert "BatchLoader() called again" in unguarded.stderr and "bootstrapping phase" not in unguarded.stderr
    guarded = _script(tmp_path, micro_data, guarded=True)
    assert guarded.returncode == 0, guarded.stderr
    assert guarded.stdout.strip() == "(8, 3, 12, 12)"
