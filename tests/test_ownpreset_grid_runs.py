"""A network of one's own, registered by one's own script or module (models.register), trains in a
grid: its runs are other processes (forked from a launcher, or started anew), which were refused
before ("'own' is not a preset; choose from caffenet, mini, micro", exit 2), so no grid of it ran."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

SOURCES = "MINITRANSFER_PRESET_SOURCES"  # models.PRESET_SOURCES, spelled out so the test runs without it
from minitransfer.cli import main

OWN = textwrap.dedent('''
    from minitransfer import models
    from minitransfer.layers import Conv2d, Flatten, Linear, ReLU
    from minitransfer.net import Net

    def own(num_outputs):
        """Two weight layers, no pooling, no LRN, 6 px crops."""
        return Net("own", [Conv2d("c1", 3, 4, 3, pad=1, weight_std=0.01, bias_value=0.0), ReLU("r1"),
                           Flatten("flatten"), Linear("out", 4 * 6 * 6, num_outputs, weight_std=0.01,
                                                      bias_value=0.0)], (3, 6, 6))

    models.register(models.Preset("own", own, crop=6, copyable=1, batch_size=4, max_iter=2, eval_every=2,
                                  checkpoint_every=2, log_every=2, description="my own"))
''')


def _environment():
    env = {name: value for name, value in os.environ.items() if name != SOURCES}
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")]))}


@pytest.mark.parametrize("how", ["script", "module"])
def test_a_grid_of_a_preset_registered_outside_the_package_trains(synthetic_8, tmp_path, how):
    (tmp_path / "ownnet.py").write_text(OWN)
    if how == "script":
        (tmp_path / "mycli.py").write_text(OWN + textwrap.dedent('''
            if __name__ == "__main__":
                from minitransfer.cli import main
                main(prog_name="minitransfer")
        '''))
        command = [sys.executable, str(tmp_path / "mycli.py")]
    else:
        command = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import ownnet; "
                   "from minitransfer.cli import main; main(prog_name='minitransfer')"]
    done = subprocess.run(command + ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "g"), "--preset", "own",
                                     "--no-fine-tuned", "--device", "cpu"],
                          capture_output=True, text=True, env=_environment())
    assert done.returncode == 0, done.stdout + done.stderr
    runs = sorted(path.name for path in (tmp_path / "g" / "random0").glob("*.run"))
    assert runs == ["A1B.run", "B1B.run", "baseA.run", "baseB.run"]
    assert json.loads((tmp_path / "g" / "random0" / "A1B.run" / "config.json").read_text())["preset"] == "own"


def test_a_run_of_a_preset_whose_registering_code_fails_says_which_file(tmp_path, monkeypatch):
    (tmp_path / "broken.py").write_text("raise RuntimeError('no GPU library here')\n")
    monkeypatch.setenv(SOURCES, json.dumps({"gone": ["__main__", str(tmp_path / "broken.py")]}))
    refused = CliRunner().invoke(main, ["train", "--preset", "gone"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert f"registered by {tmp_path / 'broken.py'}, which failed here: RuntimeError: no GPU library" in refused.output
