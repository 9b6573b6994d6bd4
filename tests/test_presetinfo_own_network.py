"""A network of a preset of one's own (docs/presets.md), read by a plain ``minitransfer info/eval NET`` (or a
transfer from it) in a shell where MINITRANSFER_PRESET_SOURCES is set (pasted from info's "made again by" line,
exported by a SLURM task): it was refused ("preset 'own' is not a known network", exit 65), because loading a
checkpoint did not run the registering code noted there (models.known) as train's --preset does."""

import json
import subprocess
import sys

from test_drift_dry_run_preset import MYNET, SOURCES, new_shell_env


def test_a_network_of_ones_own_preset_is_read_where_its_sources_are_in_the_environment(micro_data, tmp_path):
    (tmp_path / "mynet.py").write_text(MYNET)
    env = new_shell_env()
    net = tmp_path / "own.h5"
    trained = subprocess.run([sys.executable, "mynet.py", "train", "--data", micro_data, "--half", "A", "-o", str(net),
                              "--preset", "own", "--device", "cpu", "--quiet"], cwd=tmp_path, capture_output=True,
                             text=True, env=env, timeout=120)
    assert trained.returncode == 0, trained.stdout + trained.stderr
    sources = json.dumps({"own": ["__main__", str((tmp_path / "mynet.py").resolve())]})
    elsewhere = tmp_path / "new-shell"
    elsewhere.mkdir()

    def plain(*arguments, **extra):  # `minitransfer ...` in a new shell, not through the script
        return subprocess.run([sys.executable, "-m", "minitransfer", *map(str, arguments)], cwd=elsewhere,
                              capture_output=True, text=True, env={**env, **extra}, timeout=120)

    refused = plain("info", net)
    assert refused.returncode == 65, refused.stdout + refused.stderr
    assert "preset 'own' is not a known network (a preset of your own?" in refused.stderr + refused.stdout
    assert "docs/presets.md" in refused.stderr and f"with the {SOURCES}=... that info" in refused.stderr
    for command in (["info", net], ["info", net.with_suffix(".run"), "--json"], ["eval", net]):
        done = plain(*command, **{SOURCES: sources})
        assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    copied = tmp_path / "own1B.h5"
    done = plain("train", "--copy-from", net, "--n", 1, "--frozen", "--half", "B", "-o", copied, "--device", "cpu",
                 "--quiet", **{SOURCES: sources})
    assert done.returncode == 0, done.stdout + done.stderr
    assert copied.is_file()
