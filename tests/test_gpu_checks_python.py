"""benchmarks/gpu_checks.sh on a lent GPU, where the README's ``PYTHON=.venv/bin/python`` names a virtual
environment that did not travel with the working tree: the script runs the image's python3 instead and
says so first in its summary (before, every step failed with exit 127 and the GPU's time was spent)."""

from test_benchmarks import STEPS, run_gpu_checks, stub


def test_gpu_checks_runs_the_images_python_where_python_cannot_run(tmp_path):
    bin_folder = tmp_path / "bin"
    image_python = stub(bin_folder, "python3", 'echo "image python ran $1"')
    stub(bin_folder, "nvidia-smi", "exit 0")
    missing = tmp_path / "checkout" / ".venv" / "bin" / "python"
    done, summary, logs = run_gpu_checks(tmp_path, missing, path=bin_folder)
    assert done.returncode == 0, done.stdout
    assert summary[0] == f"python  PYTHON={missing} cannot run here: ran {image_python} instead", summary
    assert [line.split()[:3] for line in summary[1:]] == [[step, "exit", "0"] for step in STEPS], summary
    assert "image python ran" in (logs / "device.log").read_text()


def test_gpu_checks_keeps_a_python_that_runs(tmp_path):
    bin_folder = tmp_path / "bin"
    stub(bin_folder, "python3", 'echo "image python ran $1"')
    stub(bin_folder, "nvidia-smi", "exit 0")
    chosen = stub(tmp_path / "venv", "python", 'echo "chosen python ran $1"')
    done, summary, logs = run_gpu_checks(tmp_path, chosen, path=bin_folder)
    assert done.returncode == 0, done.stdout
    assert [line.split()[:3] for line in summary] == [[step, "exit", "0"] for step in STEPS], summary
    assert "chosen python ran" in (logs / "device.log").read_text()
