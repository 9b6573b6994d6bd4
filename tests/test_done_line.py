"""The line a finished train says its result on, and a grid's train.log read for it, begin with the same words
(``done_line.DONE_WORDS``): train writes "done: final top-1 ..." (``run_lines.result_line``), and a run whose
files are gone, its config.json too, is told to have trained to its end by its train.log ending on that line
(``run_networks.files_gone``). The oracle is the line as train's --help documents it ("done: final top-1 ...")."""

import types

from minitransfer.run_lines import result_line
from minitransfer.run_networks import files_gone

LINE = ("done: final top-1 0.5000, best 0.6250, mean of all 2 evaluations 0.5625; weights in A1B.h5, run files in "
        "A1B.run")


def test_train_says_its_result_as_documented():
    result = types.SimpleNamespace(final={"top1": 0.5}, best_top1=0.625, evaluations=2, mean10_top1=0.5625,
                                   out="A1B.h5", run_dir="A1B.run")
    assert result_line(result) == LINE


def test_a_train_log_ending_on_that_line_tells_a_run_that_trained_to_its_end(tmp_path):
    folder = tmp_path / "A1B.run"
    folder.mkdir()
    (folder / "train.log").write_text(f"$ minitransfer train --out {tmp_path / 'A1B.h5'}\n{LINE}\n")
    assert files_gone(folder).startswith("it trained to its end (its train.log ends on its result)")
    (folder / "train.log").write_text(f"$ minitransfer train --out {tmp_path / 'A1B.h5'}\nerror: no space left\n")
    assert files_gone(folder) == ""
