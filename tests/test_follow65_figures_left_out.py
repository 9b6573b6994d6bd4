"""A figure's note of the runs left out (:func:`minitransfer.figures_left_out.left_out_note`) split each run's
"name: why" at its first ": ", so that a run in a folder named "run: 2" was said as "run" and its divergence as
another reason: "1 other run left out (run)". The texts that keep their parts (results.LeftOut,
run_copies.SameNetwork) are read by them; a divergence is named by what comes before "training diverged"."""

from minitransfer.figures_left_out import left_out_note
from minitransfer.results import LeftOut
from minitransfer.run_copies import SameNetwork
from minitransfer.run_logs import DIVERGED


def test_runs_left_out_of_a_folder_whose_name_holds_a_colon_are_named_whole():
    left_out = [f"run: 2/random2/A7B: {DIVERGED}loss nan at iteration 40; no result (see run: 2/random2/A7B.run)",
                LeftOut("run: 2/random1/A7B", "unreadable: result.json is not JSON"),
                SameNetwork("run: 2/random0/A7B-copy", "run: 2/random0/A7B", "AnB at n=7", 3)]
    note = " ".join(left_out_note([], left_out).split())
    assert note == ("Not drawn (each point is of the networks left): 1 run that diverged (run: 2/random2/A7B); 2 other "
                    "runs left out (run: 2/random1/A7B, run: 2/random0/A7B-copy): the runs left out are in no figure "
                    "(results.md says why)"), note
