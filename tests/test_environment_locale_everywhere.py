"""What the command line writes of names that are not ASCII does not depend on the locale. Python reads a file's
name with the locale's encoding of file names: under LC_ALL=C with PYTHONUTF8=0 (ASCII) the class folder "Zürich"
is listed as "Z\\udcc3\\udcbcrich", under a Latin-1 locale as "ZÃ¼rich". skipped.txt (and meta.json's list of
skipped files) named "Zürich/x.png" as "Z\\xc3\\xbcrich/x.png" under the one, "ZÃ¼rich/x.png" under the other,
and source-digests.json, keyed by path as listed, was missed by a rerun in another locale (every file read again)."""

import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from locales import ASCII_LOCALE, UTF8_LOCALE, latin1_locale
from minitransfer.cli import main
from test_kill_anywhere import _SITECUSTOMIZE, _hooked
CLASSES = ["Zürich", "café", "犬", "猫"]
NOT_IMAGES = ["cassé-画像.png".encode(), b"bad\xe9.png"]  # the second's name is not UTF-8


def _tree(root):
    """train/ and val/ of two 8 x 8 images per class, train/ with two files per class that are not images."""
    rng = np.random.default_rng(0)
    for subset in ("train", "val"):
        for name in CLASSES:
            folder = os.path.join(os.fsencode(root), subset.encode(), name.encode())
            os.makedirs(folder)
            for number in range(2):
                Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(
                    os.path.join(folder, f"{number}.png".encode()))
            for name_bytes in NOT_IMAGES if subset == "train" else ():
                with open(os.path.join(folder, name_bytes), "wb") as stream:
                    stream.write(b"not an image")


def _prepare(source, out, locale):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("LC_") and key not in ("LANG", "PYTHONIOENCODING")}
    return subprocess.run([sys.executable, "-m", "minitransfer", "prepare", "folder", str(source), str(out),
                           "--size", "14", "--workers", "0"], capture_output=True,
                          env={**environment, **locale}, timeout=120)


def _prepared_here(source, out):
    """What ``_prepare(source, out, UTF8_LOCALE)`` writes (the same bytes), prepared in this process: for the tests
    of what other commands do with the dataset, in their locale."""
    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(out), "--size", "14", "--workers", "0"])
    assert result.exit_code == 0, result.output


def test_skipped_files_are_named_alike_in_every_locale(tmp_path):
    _tree(tmp_path / "source")
    locales = {"C-ascii": ASCII_LOCALE, "C.UTF-8": UTF8_LOCALE}
    latin1 = latin1_locale(tmp_path, skip=False)
    if latin1 is not None:
        locales["latin1"] = latin1
    written = {}
    for name, locale in locales.items():
        result = _prepare(tmp_path / "source", tmp_path / name, locale)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        written[name] = (tmp_path / name / "skipped.txt").read_bytes()
    source = str(tmp_path / "source")
    expected = sorted(f"{source}/train/{name}/{file}".encode() for name in CLASSES
                      for file in ("bad\\xe9.png", "cassé-画像.png"))
    assert sorted(line.split(b"\t")[0] for line in written["C.UTF-8"].splitlines()) == expected
    assert {name: text for name, text in written.items() if text != written["C.UTF-8"]} == {}


@pytest.mark.parametrize("first, then", [(ASCII_LOCALE, UTF8_LOCALE), (UTF8_LOCALE, ASCII_LOCALE)],
                         ids=["C-ascii-then-C.UTF-8", "C.UTF-8-then-C-ascii"])
def test_a_rerun_in_another_locale_writes_nothing(tmp_path, first, then):
    _tree(tmp_path / "source")
    assert _prepare(tmp_path / "source", tmp_path / "data", first).returncode == 0
    result = _prepare(tmp_path / "source", tmp_path / "data", then)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b", nothing written: " in result.stdout + result.stderr, result.stdout + result.stderr


def _minitransfer(arguments, locale, cwd=None, base=os.environ):
    environment = {key: value for key, value in base.items()
                   if not key.startswith("LC_") and key not in ("LANG", "PYTHONIOENCODING")}
    return subprocess.run([sys.executable, "-m", "minitransfer", *arguments], capture_output=True,
                          env={**environment, **locale}, timeout=120, cwd=cwd)


@pytest.mark.parametrize("locale", [ASCII_LOCALE, UTF8_LOCALE], ids=["C-ascii", "C.UTF-8"])
def test_a_grid_names_its_folder_as_utf8_in_every_locale(tmp_path, locale):
    """Under LC_ALL=C (PYTHONUTF8=0) click printed each byte of "grille-猫" as "?": "4 runs in .../grille-???",
    and commands to copy whose --out named a folder that is not there."""
    _tree(tmp_path / "source")
    _prepared_here(tmp_path / "source", tmp_path / "data")
    result = _minitransfer(["experiment", "--data", "data", "-o", "grille-猫", "--split", "random", "--layers", "1",
                            "--preset", "micro", "--max-iter", "2", "--dry-run"], locale, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert f"runs in {tmp_path}/grille-猫 (0 finished)".encode() in result.stdout, result.stdout
    assert f"--out '{tmp_path}/grille-猫/random0/baseA.h5'".encode() in result.stdout, result.stdout


def test_a_plan_fingerprint_is_the_same_in_every_locale(tmp_path):
    """A grid planned on --data données-猫 got one plan id under LC_ALL=C (PYTHONUTF8=0), another in UTF-8."""
    code = ("import sys; from minitransfer.grid_plan_file import options_fingerprint; "
            "print(options_fingerprint({'data': sys.argv[1], 'layers': [1, 2]}))")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LC_") and key != "LANG"}
    printed = {subprocess.run([sys.executable, "-c", code, str(tmp_path / "données-猫")], capture_output=True,
                              env={**environment, **locale}, check=True, timeout=60).stdout
               for locale in (ASCII_LOCALE, UTF8_LOCALE)}
    assert len(printed) == 1, printed


JAPANESE_FAMILIES = ("哺乳類と鳥類の動物", "乗り物と道具と家具と電気製品と楽器と台所用品")


def test_figure3_keeps_japanese_family_names_inside_and_says_once_when_it_escapes_them(capsys):
    """Family names no font on the machine has were escaped (\\u54fa...) after the layout, so figure 3's title
    and legends, laid out for text six times narrower, ran off the image ("constrained_layout not applied"),
    and nothing said why the figure showed escapes. They are escaped before the layout (or drawn in a font
    that has them), and the report says once which names it escaped."""
    import dataclasses
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from minitransfer import experiment as grid
    from minitransfer import figure_fonts, figures
    from minitransfer.results import Result

    runs = grid.plan_grid(random_seeds=(0,), natural=True, random_frozen=(1, 4), layers=(1, 4))
    results = [dataclasses.replace(Result(run, 0.6 - 0.02 * run.n, 0.6, 0.6, 30), families=JAPANESE_FAMILIES)
               for run in runs]
    capsys.readouterr()
    figure = figures.draw_all(Figure, results)["figure3"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the layout's "axes sizes collapsed to zero"
        figure.set_dpi(figures.DPI)
        renderer = FigureCanvasAgg(figure).get_renderer()
        figure.draw(renderer)
    inside = figure.bbox.padded(0.5)
    for axes in figure.axes:
        extent = axes.get_tightbbox(renderer)
        assert inside.x0 <= extent.x0 and extent.x1 <= inside.x1, axes.get_title()
    said = capsys.readouterr().err
    if figure_fonts.font_with(frozenset("".join(JAPANESE_FAMILIES))):
        assert "escaped" not in said, said
    else:
        assert said.count("note: the figures show 2 name(s) with characters escaped") == 1, said
        assert all(name in said for name in JAPANESE_FAMILIES), said


def test_a_path_given_under_an_ascii_locale_is_displayed_as_utf8(tmp_path):
    """Under LC_ALL=C (PYTHONUTF8=0) Python hands "grille-猫" over as escaped bytes, which messages and the report
    showed as "grille-\\xe7\\x8c\\xab" ("read 4 finished runs from grille-\\xe7\\x8c\\xab"); bytes that are not
    UTF-8 stay escaped."""
    code = ("import sys; from minitransfer.data import inputs; "
            "sys.stdout.buffer.write('|'.join(map(inputs.display_name, sys.argv[1:])).encode())")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LC_") and key != "LANG"}
    shown = subprocess.run([sys.executable, "-c", code, "grille-猫", b"caf\xe9-\xe7\x8c\xab"], capture_output=True,
                           env={**environment, **ASCII_LOCALE}, check=True, timeout=60).stdout
    assert shown == "grille-猫|caf\\xe9-猫".encode()


def test_stderr_under_an_ascii_locale_writes_escaped_names_as_utf8():
    """Under LC_ALL=C (PYTHONUTF8=0) stderr writes UTF-8; a name Python handed over as escaped bytes is written
    as the text they spell ("données"), a byte that is not UTF-8 as \\xe9: never a UnicodeEncodeError (a
    train run of a grid on --data données-猫 ended in a traceback in its train.log)."""
    code = ("import sys; from minitransfer.cli._output import displays_any_name; displays_any_name(); "
            "sys.stderr.write(sys.argv[1] + ' ' + sys.argv[2])")
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("LC_") and key not in ("LANG", "PYTHONIOENCODING")}
    result = subprocess.run([sys.executable, "-c", code, "données-猫", b"caf\xe9"], capture_output=True,
                            env={**environment, **ASCII_LOCALE}, timeout=60)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert result.stderr == "données-猫 caf\\xe9".encode()


def test_a_report_names_its_grid_alike_in_a_latin1_locale(tmp_path):
    """Under a Latin-1 locale the grid "grille-猫" was read as "grille-ç\\u008c«": results.md's heading and
    report's first line named a folder that is not there."""
    latin1 = latin1_locale(tmp_path)
    _tree(tmp_path / "source")
    _prepared_here(tmp_path / "source", tmp_path / "data")
    grid = _minitransfer(["experiment", "--data", "data", "-o", "grille-猫", "--layers", "1", "--no-fine-tuned",
                          "--preset", "micro", "--max-iter", "2", "--eval-every", "1", "--device", "cpu"],
                         UTF8_LOCALE, cwd=tmp_path)
    assert grid.returncode == 0, grid.stderr.decode(errors="replace")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    placeholder_figures = _hooked(tmp_path / "site", placeholder_figures=True)  # results.md is what is compared
    for name, locale, base in (("utf8", UTF8_LOCALE, placeholder_figures), ("latin1", latin1, os.environ)):
        report = _minitransfer(["report", "grille-猫", "-o", f"report-{name}"], locale, cwd=tmp_path, base=base)
        assert report.returncode == 0, report.stderr.decode(errors="replace")
    written = {name: (tmp_path / f"report-{name}" / "results.md").read_bytes() for name in ("utf8", "latin1")}
    assert written["latin1"] == written["utf8"]
    assert "# Results of 4 networks in grille-猫\n".encode() in written["utf8"]
