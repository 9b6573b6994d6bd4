"""What the help texts promise, as the commands do it: the run names a --reference table must use,
and eval's notes on stderr, its stdout the scores alone."""

import json
import pathlib
import re

from click.testing import CliRunner
from test_report import write_runs

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.paper_runs import read_reference

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "report.md"


def test_an_unknown_reference_run_name_is_refused_naming_the_names_a_reference_takes(tmp_path):
    """A reference naming its runs as minitransfer does (baseA) was refused as an "unknown run name"
    without a word of the names taken (the paper code's); the help did not say them either. The
    message and docs/report.md, where the help points, give every form; each example given is read."""
    runs = write_runs(tmp_path / "grid")
    path = tmp_path / "reference.tsv"
    path.write_text("run\tmean_top10_val_top1\nbaseA\t0.6\n")
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "r"), "--reference", str(path)])
    assert result.exit_code == 65, result.output
    said = " ".join(result.output.split())
    assert f"{path} line 2: unknown run name 'baseA': a reference names its runs as the paper's code " in said, said
    shown = " ".join(CliRunner().invoke(main, ["report", "--help"]).output.split())
    assert "of the paper code's run names: half0A, transfer0A0B_1_3, ... (docs/report.md)" in shown, shown
    forms = ("half<S><A|B>", "halfnatman<A|B>", "netbase", "nolearn_1_<n>", "reduced-<images per class>",
             "transfer[-ft]<S><A|B><S><A|B>_1_<n>", "transfer[-ft]natman<A|B><A|B>_1_<n>")
    docs = DOCS.read_text()
    assert all(form in said and f"`{form}`" in docs for form in forms), said
    examples = re.search(r"\(e\.g\. ([^)]*)\)", said)[1].split(", ") + re.findall(r"\b(?:transfer|reduced|half|"
                                                                                     r"nolearn)[-\w]*[0-9AB]\b", docs)
    path.write_text("run\tmean_top10_val_top1\n" + "".join(f"{name}\t0.5\n" for name in dict.fromkeys(examples)))
    assert [result.run.name for result in read_reference(path)] == list(dict.fromkeys(examples))


def test_eval_says_its_notes_on_stderr_its_stdout_the_scores_alone(tmp_path):
    """A micro network of 14 px images scored on 36 px images of its classes: its mean image resized,
    its 12 px crops a third of each side. With --json the crop warning was dropped; without, the
    notes were printed on stdout beside the score (train says its notes on stderr)."""
    small, large = tmp_path / "s14", tmp_path / "s36"
    synthetic.build_synthetic(small, classes=4, train_per_class=8, val_per_class=3, size=14, seed=1)
    synthetic.build_synthetic(large, classes=4, train_per_class=8, val_per_class=3, size=36, seed=2)
    net = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(net), data=str(small), preset="micro", split="all", seed=3,
                                      batch_size=16, max_iter=2, eval_every=2, quiet=True, device="cpu"))
    arguments = ["eval", str(net), "--data", str(large), "--device", "cpu"]
    notes = (f"the mean image of {net} is 14x14; it was resized to the images of {large}",
             "its 12x12 centre crops span 33% of the side of these 36x36 images")
    for given in ([], ["--json"]):
        result = CliRunner().invoke(main, [*arguments, *given])
        assert result.exit_code == 0, result.output
        assert all(note in result.stderr for note in notes), result.stderr
        assert not any(note in result.stdout for note in notes), result.stdout
    assert json.loads(result.stdout)["mean_resized_from"] == [14, 14]
