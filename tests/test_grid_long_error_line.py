"""A train.log whose last line, the error its train ended on, is longer than the 4096 bytes grid_status read of it:
that line came back cut, no longer beginning "error: ", and the run was not counted as failed (error_line None).
It is read whole now (log_tail.last_whole_line), past srun's own lines too; one longer than the cap is said cut."""

from minitransfer import grid_status, log_tail


def test_an_error_line_longer_than_4096_bytes_is_read_whole(tmp_path):
    error = "error: bad data: " + "x" * 5000
    (tmp_path / "train.log").write_text("iteration 1/20 loss 0.7\n" + error + "\n\n")
    assert grid_status.error_line(tmp_path) == error


def test_a_long_error_line_before_srun_lines_is_read_whole(tmp_path):
    error = "error: bad data: " + "é" * 10000  # two bytes each: 20 KB, past the 16384 bytes read past srun's lines
    srun = "srun: error: node1: task 0: Exited with exit code 65\n" * 3
    (tmp_path / "train.log").write_text("started\n" + error + "\n" + srun)
    assert grid_status.error_line(tmp_path) == error


def test_a_line_longer_than_the_cap_is_said_cut(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("first\nerror: " + "y" * 300 + "\n")
    line = log_tail.last_whole_line(path, cap=64)
    cut = log_tail.CUT.format(cap=64)
    assert line.startswith(cut) and set(line[len(cut):]) == {"y"} and len(line) - len(cut) in (63, 64), line
    assert log_tail.last_whole_line(path, cap=1024) == "error: " + "y" * 300


def test_the_last_line_of_a_short_or_blank_log(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("")
    assert log_tail.last_whole_line(path) == ""
    path.write_text("only line")
    assert log_tail.last_whole_line(path) == "only line"
    path.write_text("a\nsrun: x\n\n")
    assert log_tail.last_whole_line(path, skipping=("srun: ",)) == "a"
