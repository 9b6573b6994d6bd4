"""``info`` of a network of a preset of one's own (docs/presets.md) prints the command that makes it again: it
printed the bare ``minitransfer train ... --preset own``, which a new shell refused ("'own' is not a preset", exit
2). The network's record keeps only the preset's name (config.json, the checkpoint's config; result.json's
environment holds versions), so where it comes from is what the process running info knows: the script that
registers it (info run through it, as docs/presets.md says) is named before the command, as a dry run's lines do;
a preset registered by code with no file to run (an interactive session) is said to be one's own instead."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from minitransfer import models
from minitransfer.cli import main
from test_drift_dry_run_preset import MYNET, SOURCES


def _made(output):
    return next(line for line in output.splitlines() if line.startswith("made again by: "))


def test_infos_command_of_a_network_of_ones_own_preset_trains_it_again_in_a_new_shell(micro_data, tmp_path):
    (tmp_path / "mynet.py").write_text(MYNET)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = tmp_path / "bin"  # the `minitransfer` a researcher's shell runs: this checkout's
    installed.mkdir()
    (installed / "minitransfer").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m minitransfer "$@"\n')
    (installed / "minitransfer").chmod(0o755)
    env = {**{name: value for name, value in os.environ.items() if name != SOURCES},
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
           "PATH": os.pathsep.join(filter(None, [str(installed), os.environ.get("PATH")]))}
    out = tmp_path / "lab" / "own.h5"

    def script(*arguments):
        done = subprocess.run([sys.executable, "mynet.py", *map(str, arguments)], cwd=tmp_path, capture_output=True,
                              text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    script("train", "--data", micro_data, "--half", "A", "-o", out, "--preset", "own", "--device", "cpu", "--quiet")
    command = _made(script("info", out.with_suffix(".run"))).removeprefix("made again by: ")
    assert f" {SOURCES}=" in f" {command.split(' minitransfer ')[0]}" and "--preset own" in command, command
    out.unlink()  # the lab's network and run, gone
    out.with_suffix(".run").rename(tmp_path / "old.run")
    elsewhere = tmp_path / "new-shell"
    elsewhere.mkdir()
    pasted = subprocess.run(["bash", "-c", command], cwd=elsewhere, capture_output=True, text=True, env=env,
                            timeout=120)
    assert pasted.returncode == 0, f"{command}\n{pasted.stdout}{pasted.stderr}"
    assert out.is_file()


def test_infos_command_of_a_preset_registered_with_no_file_says_it_must_be_registered(micro_data, tmp_path,
                                                                                    monkeypatch):
    monkeypatch.delenv(models.PRESET_SOURCES, raising=False)
    monkeypatch.setattr(models, "PRESETS", dict(models.PRESETS))
    exec(MYNET.split('if __name__')[0], {"__name__": "a_notebook"})  # no __file__: nothing for a new shell to run
    out = tmp_path / "own.h5"
    trained = CliRunner().invoke(main, ["train", "--data", micro_data, "--half", "A", "-o", str(out), "--preset",
                                        "own", "--device", "cpu", "--quiet"])
    assert trained.exit_code == 0, trained.output
    made = _made(CliRunner().invoke(main, ["info", str(out)]).output)
    assert SOURCES not in made
    assert made.endswith("(preset 'own' is one of your own, registered here by code with no file to run (an "
                         "interactive session): a new shell knows it once that code has registered it; "
                         "docs/presets.md)"), made
    assert json.loads(CliRunner().invoke(main, ["info", str(out), "--json"]).output)["preset_sources"] is None


def test_a_package_presets_command_needs_nothing_before_it(monkeypatch):
    monkeypatch.setenv(models.PRESET_SOURCES, json.dumps({"own": ["mynet", "/x/mynet.py"]}))
    assert models.sources_words("micro") == models.sources_words(None) == "" and not models.unsourced("micro")
    assert models.sources_words("own") == f"""{SOURCES}='{{"own": ["mynet", "/x/mynet.py"]}}' """
    assert models.preset_sources() == json.dumps({"own": ["mynet", "/x/mynet.py"]})


def test_a_process_that_ran_the_registering_script_as_mp_main_still_names_the_script(tmp_path, monkeypatch):
    """A command given MINITRANSFER_PRESET_SOURCES (pasted from a dry run, exported by a SLURM script) runs the
    registering script as __mp_main__ (models.known); its register noted ["__mp_main__", file], which the
    runs it starts (an experiment's: "'own' is not a preset", exit 2) and its printed commands then could not
    use: __mp_main__ is imported as multiprocessing's alias of the running __main__, not the script."""
    script = tmp_path / "mynet.py"
    script.write_text(MYNET)
    noted = json.dumps({"own": ["__main__", str(script.resolve())]})
    monkeypatch.setenv(models.PRESET_SOURCES, noted)
    monkeypatch.setattr(models, "PRESETS", dict(models.PRESETS))
    monkeypatch.syspath_prepend(str(tmp_path))  # where known puts the script's folder: taken out after
    assert models.known("own")
    assert models.preset_sources("own") == noted == os.environ[models.PRESET_SOURCES]
