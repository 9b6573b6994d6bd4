"""What README.md says of exit codes that today's code changed: a file plainly no network given as one
(exit 2, no longer 65), a grid's finished run whose result.json is lost (65 only where no other cause
failed runs), and the runs report names as planned without a folder."""

import pathlib

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.grid_outcome import Failure, GridOutcome

README = " ".join((pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text().split())


def test_the_readme_gives_a_png_named_h5_the_usage_exit_code_with_the_words_info_says(tmp_path):
    picture = tmp_path / "pic.h5"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    result = CliRunner().invoke(main, ["info", str(picture)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split()).split(f"{picture} ", 1)[1].split(";")[0]  # "is a PNG image, not a ..."
    usage = README.split("2 usage (also:", 1)[1].split(", 65 bad data", 1)[0]
    assert f"pic.h5 {said}" in usage, said


def test_the_readme_says_when_a_lost_result_ends_a_grid_with_65():
    def code(*failed):
        return GridOutcome([], [], list(failed), {}, failures={name: Failure(int(name)) for name in failed},
                           lost=["random0/baseB"]).exit_code

    assert (code(), code("65"), code("74"), code("1")) == (65, 65, 1, 1)
    assert ("ends the grid with 65 where no run failed or every one failed with 65 (1 with other failures)"
            in README)
    assert "counts as one that failed with 65" not in README


def test_the_readme_names_the_runs_report_says_planned_not_started():
    assert '"planned, not started"' in README and "in `results.md` and `findings.md`" in README
