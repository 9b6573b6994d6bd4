"""``minitransfer eval runs/*.h5``: eval scores one network; several were refused as click's "Got unexpected extra
argument (runs/b.h5)", which said neither that nor how to score each. The refusal says both, naming what was given
(exit code 2, one line after click's usage lines, before anything is read)."""

from click.testing import CliRunner

from minitransfer.cli import main


def test_several_networks_are_refused_saying_eval_scores_one(tmp_path):
    names = [tmp_path / f"{name}.h5" for name in ("a", "b", "c", "d")]
    for path in names:
        path.write_bytes(b"not read")  # refused before any is opened
    result = CliRunner().invoke(main, ["eval", *map(str, names), "--json"])
    assert result.exit_code == 2, result.output
    error = result.output.splitlines()[-1]
    assert error.startswith("Error: eval scores one network at a time, and 4 were given (") and \
        f"{names[0]}, {names[1]}, {names[2]} ...)" in error, error
    assert "minitransfer eval" in error and "minitransfer report" in error and "Traceback" not in result.output
