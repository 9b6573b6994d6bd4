"""eval.csv opened in a spreadsheet and saved (its values to 15 significant digits, or 7) was read by report
before result.json recorded the digest of its rows (result_checks.SUMMARY_SLACK: "this much slack still reads
one saved by a spreadsheet"); since, the digest of the values' repr made report refuse the run as edited
(exit 65), a correct result refused. The digest is now of the values to 7 significant digits, alike before and
after such a save; a value changed is still told."""

import json
import shutil

import pytest

from minitransfer import results
from minitransfer import train as training
from minitransfer.result_checks import ResultContradicted

OPTIONS = dict(half="A", seed=0, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    folder = tmp_path_factory.mktemp("runs")
    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4, **OPTIONS))
    return folder


def _saved(trained, tmp_path, digits):
    """A copy of ``trained`` whose eval.csv a spreadsheet saved, each value to ``digits`` significant digits."""
    folder = shutil.copytree(trained, tmp_path / "copy")
    eval_csv = folder / "baseA.run" / "eval.csv"
    header, *lines = eval_csv.read_text().splitlines()
    rows = [[line.split(",")[0], *(format(float(value), f".{digits}g") for value in line.split(",")[1:])]
            for line in lines]
    eval_csv.write_text("\r\n".join([header, *(",".join(row) for row in rows)]) + "\r\n")
    return folder, eval_csv


@pytest.mark.parametrize("digits", [15, 7])
def test_an_eval_csv_a_spreadsheet_saved_is_read(trained, tmp_path, digits):
    folder, eval_csv = _saved(trained, tmp_path, digits)
    assert eval_csv.read_text() != (trained / "baseA.run" / "eval.csv").read_text().replace("\n", "\r\n")
    assert results.read_run(folder / "baseA.run").mean10_top1 == pytest.approx(
        json.loads((trained / "baseA.run" / "result.json").read_text())["mean10_top1"], abs=1e-6)


def test_a_loss_changed_in_its_6th_digit_is_still_told(trained, tmp_path):
    folder, eval_csv = _saved(trained, tmp_path, 15)
    lines = eval_csv.read_text().splitlines()
    fields = lines[2].split(",")
    fields[3] = format(float(fields[3]) * (1 + 1e-5), ".15g")
    eval_csv.write_text("\n".join(lines[:2] + [",".join(fields)] + lines[3:]) + "\n")
    with pytest.raises(ResultContradicted, match="are not those"):
        results.read_run(folder / "baseA.run")


def test_a_finished_run_whose_weights_are_gone_and_last_row_torn_is_finished_again(trained, tmp_path, micro_data):
    """Resumed at its end (its weights file deleted), the run's torn last row is evaluated again, as before the
    digest: its mend was refused as edited rows (exit 65), telling to start the run over."""
    folder = shutil.copytree(trained, tmp_path / "copy")
    (folder / "baseA.h5").unlink()
    eval_csv = folder / "baseA.run" / "eval.csv"
    whole = eval_csv.read_text()
    eval_csv.write_text(whole[:-5])
    done = training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, max_iter=4,
                                               resume="auto", **OPTIONS))
    assert done.evaluations == 4 and eval_csv.read_text() == whole
