"""Code health: ``minitransfer info`` of a finished base read its run's result.json three times, once for
report's reading of the run (:func:`minitransfer.results.read_run`: its accuracies, then its weights' digests)
and once more for how the network was made (its environment, its dataset's source): now once
(:func:`minitransfer.checkpoint_info.described`, inside :func:`minitransfer.run_file_readers.reads_shared`),
also where the network is named through a link of a folder above its run, and once for the warning eval and a
transfer give of a base whose run report leaves out (:func:`minitransfer.checkpoint_info.unreadable_run_file`:
twice before). The name of a recorded path as this locale lists it, spelled
``PurePath(recorded_path(text)).name`` at seven places, is :func:`minitransfer.rundir.recorded_name`."""

import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from minitransfer import config, rundir
from minitransfer import train as training
from minitransfer.checkpoint_info import described, unreadable_run_file
from minitransfer.cli import main
from counting import opens_of
from locales import ASCII_LOCALE, UTF8_LOCALE, environment_in, latin1_locale

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def base(micro_data, tmp_path_factory):
    """A finished base in its own folder: real/baseA.h5 and real/baseA.run."""
    out = tmp_path_factory.mktemp("grid") / "real" / "baseA.h5"
    out.parent.mkdir()
    training.train(config.TrainConfig(out=str(out), data=str(micro_data), split="random", half="A", **FAST))
    return out


def _opens_of_result(monkeypatch, base):
    """The names the result.json of ``base``'s run is opened by from now on (through a linked folder too)."""
    return opens_of(monkeypatch, base.parent / "baseA.run" / rundir.RESULT_FILE)


@pytest.mark.parametrize("given", ["baseA.h5", "baseA.run/checkpoint.h5"], ids=["weights-file", "checkpoint"])
def test_info_of_a_finished_base_reads_its_result_json_once(base, given, monkeypatch):
    monkeypatch.chdir(base.parent)
    opens = _opens_of_result(monkeypatch, base)
    done = CliRunner().invoke(main, ["info", given])
    assert done.exit_code == 0, done.output
    assert "finished" in done.output
    assert len(opens) == 1, opens


def test_a_base_named_through_a_linked_folder_is_read_once_with_what_its_result_records(base, tmp_path, monkeypatch):
    """Report's reading names the run folder as the network was given (through the link), the run's
    ``folder`` in ``info`` is resolved: both read the one result.json, once; what ``info`` says of the run is
    as without the link."""
    linked = tmp_path / "linked"
    os.symlink(base.parent, linked)
    unlinked = described(base)[0]
    opens = _opens_of_result(monkeypatch, base)
    summary, refusal = described(linked / "baseA.h5")
    assert len(opens) == 1, opens
    assert refusal is None and summary["finished"] and summary["left_out"] is None
    assert summary["run"] == unlinked["run"] and summary["run"]["folder"] == str(base.parent.resolve() / "baseA.run")
    assert summary["environment"] == unlinked["environment"] and isinstance(summary["environment"], dict)
    assert (summary["dataset_source"], summary["dataset_command"]) == (unlinked["dataset_source"],
                                                                       unlinked["dataset_command"])


def test_the_left_out_warning_of_a_base_reads_its_result_json_once(base, monkeypatch):
    opens = _opens_of_result(monkeypatch, base)
    assert unreadable_run_file(base) is None
    assert len(opens) == 1, opens


def test_a_result_json_report_cannot_read_is_still_named_as_given(base, tmp_path, monkeypatch):
    """Behaviour kept: the unreadable result.json is named as info was given the network, and its
    provenance falls back to the dataset's meta.json (no environment)."""
    shutil.copytree(base.parent, tmp_path / "copy")
    (tmp_path / "copy" / "baseA.run" / rundir.RESULT_FILE).write_text("garbage\n")
    monkeypatch.chdir(tmp_path)
    summary, refusal = described("copy/baseA.h5")
    assert summary["unreadable"]["path"] == os.path.join("copy", "baseA.run", rundir.RESULT_FILE)
    assert str(refusal).startswith(os.path.join("copy", "baseA.run", rundir.RESULT_FILE) + ": not valid JSON")
    assert summary["environment"] is None and not summary["finished"]


def test_no_module_spells_the_name_of_a_recorded_path_but_rundir():
    """Seven did (class_overlap, recorded_config, resume, resume_finished, resume_options, rundir, train_records)."""
    spelled = [path.name for path in sorted((REPOSITORY / "minitransfer").rglob("*.py"))
               for line in path.read_text(encoding="utf-8").splitlines()
               if "(recorded_path(" in line and ").name" in line]
    assert spelled == ["rundir.py"]


_LISTED = """
    import json, os
    from minitransfer import rundir

    os.mkdir("grid")
    made = os.path.join("grid", os.fsdecode("donn\\u00e9es.h5".encode("utf-8")))  # the bytes train wrote, as listed
    open(made, "w").close()
    listed = os.listdir("grid")
    for recorded in ("grid/donn\\u00e9es.h5", "grid/donn\\udcc3\\udca9es.h5"):  # as recorded now; LC_ALL=C once
        os.makedirs("x.run", exist_ok=True)
        with open(os.path.join("x.run", "config.json"), "w", encoding="ascii") as config:
            json.dump({"out": recorded}, config)
        print(rundir.recorded_name(recorded) in listed, rundir.recorded_name(recorded) == rundir.recorded_out("x.run"))
"""


@pytest.mark.parametrize("locale", ["latin1", "C", "C.UTF-8"])
def test_the_name_of_a_recorded_path_is_as_the_locale_lists_it(tmp_path, locale):
    """Behaviour kept: "données.h5", recorded as UTF-8 text (or, by an earlier version under LC_ALL=C, with
    surrogate escapes), names the file whose bytes train wrote, in a Latin-1 locale too; and it is the name
    :func:`minitransfer.rundir.recorded_out` gives of a config.json recording it."""
    environment = {"latin1": lambda: latin1_locale(tmp_path), "C": lambda: ASCII_LOCALE,
                   "C.UTF-8": lambda: UTF8_LOCALE}[locale]()
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_LISTED)], cwd=tmp_path, capture_output=True,
                          timeout=120, env={**environment_in(environment), "PYTHONPATH": str(REPOSITORY)})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.decode("ascii").split() == ["True"] * 4


def test_the_name_of_anything_but_a_path_is_refused_as_before():
    assert rundir.recorded_name("grid/random0/baseA.h5") == "baseA.h5" and rundir.recorded_name("") == ""
    for value in (None, 5, ["a"]):
        with pytest.raises(TypeError):
            rundir.recorded_name(value)
