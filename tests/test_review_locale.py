"""Review of the locale changes: a name read under a Latin-1 locale (PYTHONUTF8=0) is converted to UTF-8 text,
or back to the name, exactly once on each side of a comparison or an open."""

import os
import subprocess
import sys
import textwrap

import pytest

from locales import UTF8_LOCALE, latin1_locale

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _python(script, locale, *arguments):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("LC_") and key not in ("LANG", "PYTHONIOENCODING", "PYTHONUTF8")}
    environment.update(locale, PYTHONPATH=REPOSITORY)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script), *arguments], env=environment,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("ascii").split()


_OPENED_BY_RUN_FACTS = """
    import os, sys
    from minitransfer import run_facts, rundir
    from minitransfer.data import dataset as datasets

    recorded = rundir.record_path(sys.argv[1])  # config.json's `data`, as train records it: UTF-8 text
    found = []

    def open_dataset(path):
        found.append(str(os.path.isdir(path)))
        raise OSError("stand-in: the opening is what is looked at")

    datasets.open_dataset = open_dataset
    run_facts.half_families(rundir.recorded_path(recorded), {})  # as results.py asks, with the name
    run_facts.kept_per_class_of(rundir.recorded_path(recorded), 10, {})

    class Result:
        dataset = recorded  # comparisons.Result.dataset: results._dataset_text's UTF-8 text
        scored_on = ()  # result.json without the count: the dataset tells
    run_facts.classes_matched_by([Result()], {})
    run_facts.validation_images(Result(), {})
    print(*found)
"""


@pytest.mark.parametrize("locale", ["latin1", "C.UTF-8"])
def test_the_report_opens_a_dataset_named_in_latin1_bytes_once_converted(tmp_path, locale):
    """A run's dataset "données" (UTF-8 bytes) read under a Latin-1 locale: results.py hands run_facts the name
    already (rundir.recorded_path), and run_facts converted it again ("donnÃ\\x83Â©es", no such folder): the
    natural split's families and a reduced-data run's images per class were unread."""
    locale = latin1_locale(tmp_path) if locale == "latin1" else UTF8_LOCALE
    folder = tmp_path / "données"
    folder.mkdir()
    assert _python(_OPENED_BY_RUN_FACTS, locale, os.fsencode(folder)) == ["True"] * 4


_ZIP_MEMBERS_RECORDED = """
    import sys
    import numpy as np
    from minitransfer.data import shard_builder
    from minitransfer.data.decode import ImportItem

    archive = sys.argv[1]  # as listed (or given) in this locale
    members = ("t/train/caf\\u00e9.JPEG", "t/train/\\u732b.JPEG")  # escaped: -c's text is read in the locale too
    items = [ImportItem(path=archive, member=member) for member in members]
    labels = np.zeros(len(items), dtype=np.int64)
    print(shard_builder._shard_plan(items, labels, {}, 64))
    shard = shard_builder._decoded_shard([(None, "not an image", None)] * len(items), items, labels, {}, "train",
                                         ["n01"])
    print(*(ascii(entry["file"]) for entry in shard["skipped"]))
"""


def test_a_zips_members_are_recorded_as_the_same_text_under_latin1(tmp_path):
    """A zip "données/tiny.zip" (Tiny ImageNet's importer) whose members "café.JPEG" and "猫.JPEG" are skipped:
    skipped.txt and meta.json named them "...tiny.zip:t/train/caf\\xe9.JPEG" (the member's "é", text already, read
    as a Latin-1 name's byte) and "donnÃ©es/tiny.zip:t/train/猫.JPEG" (the path left as Latin-1 read it: "猫" is
    no Latin-1 name) under a Latin-1 locale, and the shard plan differed: another meta.json than a UTF-8
    locale's."""
    import zipfile

    (tmp_path / "données").mkdir()
    archive = tmp_path / "données" / "tiny.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for member in ("t/train/café.JPEG", "t/train/猫.JPEG"):
            packed.writestr(member, b"not an image")
    utf8 = _python(_ZIP_MEMBERS_RECORDED, {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}, os.fsencode(archive))
    assert utf8[1:] == [ascii(f"{archive}:t/train/{name}.JPEG") for name in ("café", "猫")]
    assert _python(_ZIP_MEMBERS_RECORDED, latin1_locale(tmp_path), os.fsencode(archive)) == utf8


_SLURM_SCRIPTS_RECORDED = """
    import json, pathlib, sys
    from minitransfer.experiment import PLAN_FILE, SLURM_SCRIPTS
    from minitransfer.grid_plan_file import read_plan, record_slurm_scripts

    out, scripts = pathlib.Path(sys.argv[1]), sys.argv[2]  # as given in this locale
    if sys.argv[3] == "record":
        (out / PLAN_FILE).write_text('{"options": {}}')
        record_slurm_scripts(out, scripts)
        print(ascii(json.loads((out / PLAN_FILE).read_bytes())[SLURM_SCRIPTS]))
    else:
        read = read_plan(out)[SLURM_SCRIPTS]
        print(read == scripts, pathlib.Path(read).resolve().is_dir())
"""


@pytest.mark.parametrize("first, then", [("C.UTF-8", "C"), ("C", "C.UTF-8")])
def test_a_grids_slurm_folder_is_recorded_as_utf8_and_read_back_in_another_locale(tmp_path, first, then):
    """experiment.json records its options as UTF-8 text in every locale, but its SLURM scripts' folder
    "slurm-猫" as the locale read it: written under LC_ALL=C (PYTHONUTF8=0) as "slurm-\\udce7...", another file
    than a UTF-8 locale's; written in a UTF-8 locale, read under LC_ALL=C it is no name Python can encode (a grid
    replacing that plan died of a UnicodeEncodeError resolving it)."""
    locales = {"C.UTF-8": {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}, "C": {"LC_ALL": "C", "PYTHONUTF8": "0"}}
    (tmp_path / "slurm-猫").mkdir()
    arguments = (os.fsencode(tmp_path), os.fsencode(tmp_path / "slurm-猫"))
    recorded = _python(_SLURM_SCRIPTS_RECORDED, locales[first], *arguments, "record")
    assert recorded == [ascii(str(tmp_path / "slurm-猫"))]  # UTF-8 text, as the options
    assert _python(_SLURM_SCRIPTS_RECORDED, locales[then], *arguments, "read") == ["True", "True"]


_FINISHING_COMMAND = """
    import hashlib, pathlib, shlex, sys
    from minitransfer.data import inputs, same_origin

    source, families = sys.argv[1], sys.argv[2]  # as listed in this locale
    recorded = {"source": {"kind": "folder", "path": inputs.fs_text(source), "seed": 0,  # as import_folder records
                           "families": {"path": inputs.fs_text(families), "sha256": hashlib.sha256().hexdigest()}}}
    words = shlex.split(same_origin.finishing_command(pathlib.Path("out"), recorded))
    print(words[3] == source, words[words.index("--families") + 1] == families)
"""


def test_the_command_that_finishes_an_import_names_a_latin1_folder_as_listed(tmp_path):
    """Under a Latin-1 locale, a source folder named in Latin-1 bytes ("donn\\xe9es") is recorded as UTF-8 text
    ("donn\\udce9es", its bytes read as UTF-8): the command printed to finish its import named that text, which
    a Latin-1 stream writes as "donn\\xe9es" escaped, no folder there; before the records were UTF-8 it printed
    the name."""
    source, families = os.fsencode(tmp_path) + b"/donn\xe9es", os.fsencode(tmp_path) + b"/famill\xe9s.txt"
    assert _python(_FINISHING_COMMAND, latin1_locale(tmp_path), source, families) == ["True", "True"]
    assert _python(_FINISHING_COMMAND, {"LC_ALL": "C", "PYTHONUTF8": "0"}, source, families) == ["True", "True"]


_PLAN_WRITTEN = """
    import pathlib, sys
    from minitransfer.experiment import PLAN_FILE
    from minitransfer.grid_plan_file import write_plan

    out, named = pathlib.Path(sys.argv[1]), sys.argv[2]  # as given in this locale
    write_plan(out, [], {"data": named}, [named + "/bin/minitransfer", "train"])
    print(ascii((out / PLAN_FILE).read_bytes()))
"""


def test_a_plan_written_in_two_locales_is_the_same_file(tmp_path):
    """experiment.json records its options as UTF-8 text in every locale ("a rerun in another writes nothing"),
    but its train_command as the locale read it: with minitransfer installed below "données" (the
    grid's default command names the script beside this Python), LC_ALL=C (PYTHONUTF8=0) wrote
    "donn\\udcc3\\udca9es" where a UTF-8 locale writes "données": each rerun in the other rewrote the plan."""
    named = os.fsencode(tmp_path / "données")
    written = [_python(_PLAN_WRITTEN, locale, os.fsencode(tmp_path / name), named)
               for name, locale in (("utf8", {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}),
                                    ("c", {"LC_ALL": "C", "PYTHONUTF8": "0"}))]
    assert written[0] == written[1]
