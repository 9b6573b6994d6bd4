"""A finished run's checkpoint lying beside its run folder, whose network's name is not ASCII (données.h5): report
looks for that folder by the name the checkpoint records, as :func:`minitransfer.rundir.recorded_name` reads it in
this locale. Under LC_ALL=C (an ASCII file system encoding) it read it as UTF-8 text and said the checkpoint was
"copied without its run folder (données.run)", the folder beside it."""

import dataclasses
import os
import subprocess
import sys
import textwrap

import pytest
from locales import ASCII_LOCALE, UTF8_LOCALE, environment_in

from minitransfer import checkpoint as checkpoints
from test_checkpoint import _checkpoint

NAME = "donn\u00e9es"


@pytest.mark.parametrize("locale", [ASCII_LOCALE, UTF8_LOCALE], ids=["C-ascii", "C.UTF-8"])
def test_a_checkpoint_beside_its_run_folder_of_a_name_not_ascii(tmp_path, locale):
    saved = _checkpoint(seed=3, solver=True)
    meta = {**saved.meta, "iteration": 40,
            "config": {**saved.meta["config"], "out": f"/elsewhere/{NAME}.h5", "max_iter": 40}}
    checkpoints.save(tmp_path / "checkpoint.h5", dataclasses.replace(
        saved, meta=meta, solver=dataclasses.replace(saved.solver, iteration=40)))
    os.mkdir(os.fsencode(tmp_path) + b"/" + f"{NAME}.run".encode())  # the folder train made, its name in UTF-8
    said = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import pathlib, sys
        from minitransfer import run_search
        runs = pathlib.Path(sys.argv[1])
        print(ascii([str(text) for text in run_search.lone_weights(run_search.find_runs(runs), runs)]))
        """), str(tmp_path)], env=environment_in(locale), capture_output=True, text=True, check=True)
    assert "beside its run folder" in said.stdout and "without its run folder" not in said.stdout, said.stdout
