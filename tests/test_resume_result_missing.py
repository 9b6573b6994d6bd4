"""A finished run whose result.json is gone with its checkpoint: `train --resume` said "OUT exists but there is nothing
to resume from ...; to train it again, delete or move away OUT", exit 2, of the run's finished network. It says what
a result.json that cannot be read says (:class:`minitransfer.train_finished.ResultLost`, exit 65): one line, nothing
deleted, the weights kept and the command that scores them, which works when pasted. And what train judged of a
run's files is what it tells: result.json and eval.csv read once, not again to word the refusal."""

import json
import shlex

from click.testing import CliRunner

from minitransfer import run_logs, train_finished
from minitransfer.cli import main

RUN = ["--preset", "micro", "--max-iter", "2", "--eval-every", "1", "--split", "all", "--device", "cpu"]


def _finished(micro_data, folder):
    done = CliRunner().invoke(main, ["train", "--data", micro_data, *RUN, "-o", str(folder / "net.h5")])
    assert done.exit_code == 0, done.output
    return folder / "net.h5", folder / "net.run"


def _files(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_a_finished_run_without_its_result_and_checkpoint_keeps_its_weights_and_says_how_to_score_them(
        micro_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "my runs"  # a space: the advice's path quoted as a shell reads it
    folder.mkdir()
    out, run = _finished(micro_data, folder)
    (run / "result.json").unlink()
    (run / "checkpoint.h5").unlink()
    before = _files(tmp_path)
    for given in (["--resume", str(run)], ["--resume", "auto", "--data", micro_data, *RUN, "-o", str(out)]):
        refused = CliRunner().invoke(main, ["train", *given])
        assert refused.exit_code == 65, refused.output  # bad data, as a result.json that cannot be read
        assert len(refused.stderr.splitlines()) == 1, refused.stderr
        assert refused.stderr.startswith(f"error: bad data: {run / 'result.json'} is not there"), refused.stderr
        assert "nothing to resume from" not in refused.stderr and "delete" not in refused.stderr, refused.stderr
        assert f"its checkpoint {run / 'checkpoint.h5'} is gone" in refused.stderr, refused.stderr
        assert _files(tmp_path) == before  # nothing deleted, nothing written
    advised = shlex.split(refused.stderr.split("`")[1])
    assert advised == ["minitransfer", "eval", str(out)]
    scored = CliRunner().invoke(main, advised[1:])  # pasted as said
    assert scored.exit_code == 0, scored.output
    last = run_logs.read_eval_rows(run / "eval.csv")[-1]  # the oracle: the run's own evaluation at its end
    assert last["iteration"] == 2 and f"top-1 {last['top1']:.4f}" in scored.output, scored.output


def test_weights_of_another_run_without_result_and_checkpoint_are_still_refused_as_in_the_way(micro_data, tmp_path):
    """Weights of another configuration (a run asked to train further) hold no finished run of this one: refused as
    another network in the way, exit 2, as before."""
    out, run = _finished(micro_data, tmp_path)
    (run / "result.json").unlink()
    (run / "checkpoint.h5").unlink()
    further = [*RUN[:2], "--max-iter", "3", *RUN[4:]]
    refused = CliRunner().invoke(main, ["train", "--resume", "auto", "--data", micro_data, *further, "-o", str(out)])
    assert refused.exit_code == 2 and "holds another network than this run trains" in refused.output, refused.output
    assert "is not there" not in refused.output, refused.output


def test_a_result_lost_is_told_as_it_was_judged(micro_data, tmp_path, monkeypatch):
    """result_lost read result.json again to word its refusal: a file replaced in between was judged on one
    version (not JSON) and told on another (a JSON list)."""
    out, run = _finished(micro_data, tmp_path)
    (run / "checkpoint.h5").unlink()
    (run / "result.json").write_text("{not json")
    reported = train_finished.reported

    def replaced_after(*args):
        try:
            return reported(*args)
        finally:
            (run / "result.json").write_text("[]")

    monkeypatch.setattr(train_finished, "reported", replaced_after)
    refused = CliRunner().invoke(main, ["train", "--resume", str(run)])
    assert refused.exit_code == 65, refused.output
    assert refused.stderr.startswith(f"error: bad data: {run / 'result.json'}: not valid JSON"), refused.stderr
    assert "expected a JSON" not in refused.stderr, refused.stderr


def test_eval_csv_is_judged_and_told_of_one_reading(micro_data, tmp_path, monkeypatch):
    """_refuse_edited read eval.csv twice (its rows, then its lines train never writes): a row made NaN in between
    was refused as an edit of rows it had found unedited."""
    out, run = _finished(micro_data, tmp_path)
    eval_csv, result = run / "eval.csv", run / "result.json"
    recorded = json.loads(result.read_text())
    numbered, reads = run_logs.numbered_lines, []

    def edited_after_the_first(path):
        lines = numbered(path)
        if str(path) == str(eval_csv):
            reads.append(path)
            if len(reads) > 1:  # the file as edited since: its first row's top-1 made NaN
                (number, line), *rest = lines[1:]
                fields = line.split(",")
                fields[1] = "nan"
                return [lines[0], (number, ",".join(fields)), *rest]
        return lines

    monkeypatch.setattr(run_logs, "numbered_lines", edited_after_the_first)
    train_finished._refuse_edited(result, recorded, eval_csv)  # the rows read are the ones it sums up
    assert len(reads) == 1


def test_a_grids_run_is_kept_as_its_grid_says(micro_data, tmp_path):
    """A grid's run (its treatment.json in its run folder) too: its grid counts it lost and keeps it
    (grid_status.missing_result, test_grid_result_missing), so its train does (exit 65, nothing deleted). Before, it
    was refused with exit 2 ("nothing to resume from"), as its grid's dry run then said (WEIGHTS_ALONE)."""
    out, run = _finished(micro_data, tmp_path)
    (run / "result.json").unlink()
    (run / "checkpoint.h5").unlink()
    (run / "treatment.json").write_text("{}")
    before = _files(tmp_path)
    refused = CliRunner().invoke(main, ["train", "--resume", "auto", "--data", micro_data, *RUN, "-o", str(out)])
    assert refused.exit_code == 65 and f"{run / 'result.json'} is not there" in refused.output, refused.output
    assert "nothing to resume from" not in refused.output, refused.output
    assert _files(tmp_path) == before
