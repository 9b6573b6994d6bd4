"""A terminal that says it cannot move the cursor (TERM=dumb: Emacs's M-x shell, some CI consoles) is given
plain progress lines, as a file is: the bar redrawn in place sent "\\r\\033[K" at every redraw, shown there as
"^M^[[K" text, a row of them per iteration. Other terminals keep their bar."""

import os
import pty
import subprocess
import sys

import pytest

CLEAR_ROW = b"\x1b[K"


def _on_a_terminal(arguments, term, cwd):
    """The bytes ``minitransfer ARGUMENTS`` wrote on its stderr, a pseudo-terminal, with TERM=``term``."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "minitransfer", *arguments], cwd=cwd,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower,
                                   env=dict(os.environ, TERM=term, OMP_NUM_THREADS="1"))
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed its end
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=120) == 0, shown.decode(errors="replace")
    finally:
        os.close(leader)
    return shown


def _arguments(command, data, folder):
    """``command``'s arguments, writing into ``folder`` (a new one each time)."""
    train = ["train", "--data", data, "--split", "random", "--half", "A", "--preset", "micro", "--max-iter", "3",
             "--eval-every", "1", "--device", "cpu", "-o", str(folder / "baseA.h5")]
    if command == "prepare":
        return ["prepare", "synthetic", str(folder / "data"), "--classes", "2", "--size", "14", "--train-per-class",
                "2", "--val-per-class", "1"]
    if command == "eval":
        subprocess.run([sys.executable, "-m", "minitransfer", *train], check=True, capture_output=True, timeout=120)
        return ["eval", str(folder / "baseA.h5")]
    return train


@pytest.mark.parametrize("command", ["train", "eval", "prepare"])
def test_a_dumb_terminal_gets_plain_lines_and_others_a_bar(tmp_path, micro_data, command):
    (tmp_path / "dumb").mkdir()
    (tmp_path / "xterm").mkdir()
    dumb = _on_a_terminal(_arguments(command, micro_data, tmp_path / "dumb"), "dumb", tmp_path)
    assert CLEAR_ROW not in dumb, dumb
    if command == "train":
        assert b"eval at 3: top-1" in dumb, dumb
    assert CLEAR_ROW in _on_a_terminal(_arguments(command, micro_data, tmp_path / "xterm"), "xterm-256color", tmp_path)
