"""``train -o -`` (standard output, to a Unix tool) and ``-o .h5`` (``-o "$NAME.h5"`` with NAME unset): train
wrote a file named - beside -.run, or the hidden file .h5 beside .h5.run, and said "done". Refused before
anything is read or written, naming --out and what to give (exit 2), as ``-o ""`` is; a hidden name of its own
(.baseA.h5) trains as before."""

import os

import pytest
from click.testing import CliRunner

from minitransfer import config_checks
from minitransfer.cli import main
from minitransfer.train_config import TrainConfig

REFUSED = {
    "-": "error: --out is -, which train does not read as standard output: it writes the weights to a file and its "
         "run folder beside it; name the weights file (e.g. baseA.h5), or give none for the paper's name\n",
    ".h5": "error: --out .h5 has no name before its extension .h5 (an unset shell variable, as in \"$NAME.h5\"?): "
           "the weights would be the hidden file .h5; name them, e.g. baseA.h5\n",
    "sub/.hdf5": "error: --out sub/.hdf5 has no name before its extension .hdf5 (an unset shell variable, as in "
                 "\"$NAME.hdf5\"?): the weights would be the hidden file .hdf5; name them, e.g. sub/baseA.hdf5\n",
}


@pytest.mark.parametrize("out", list(REFUSED), ids=["dash", "extension", "extension-in-a-folder"])
def test_train_out_a_dash_or_a_bare_extension_is_refused_writing_nothing(tmp_path, monkeypatch, out):
    """Refused before the built-in set is built (an empty cache stays empty)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    (tmp_path / "sub").mkdir()
    result = CliRunner().invoke(main, ["train", "-o", out, "--max-iter", "1", "--device", "cpu", "--quiet"])
    assert result.exit_code == 2, result.output
    assert result.output == REFUSED[out]
    assert sorted(os.listdir(tmp_path)) == ["sub"] and not os.listdir(tmp_path / "sub")


@pytest.mark.parametrize("out", ["-", ".h5", "runs/.weights"])
def test_the_library_refuses_them_too(out):
    with pytest.raises(config_checks.ConfigError, match=r"^`out` "):
        config_checks.check_fields(TrainConfig(out=out))


@pytest.mark.parametrize("out", [".baseA.h5", "x.h5", "runs/baseA.h5", "..h5"])
def test_other_names_pass(out):
    config_checks.check_fields(TrainConfig(out=out))
