"""What ``minitransfer demo`` tells its user where its output ends early (``demo | head``) and where its
findings advise options: the demo's own words and commands, not those of the grid it runs."""

import subprocess
import sys
import textwrap

import hangup

from minitransfer.cli import _errors

TINY = {"preset": "mini", "max_iter": 3, "eval_every": 1, "batch_size": 8, "seed": 0}


def test_a_demo_whose_reader_goes_away_midway_says_to_rerun_it_not_to_report_it(tiny_data, tmp_path):
    """``minitransfer demo | head``: the grid stops at the first line it cannot write (141, as a Unix
    tool); on stderr it said the grid's summary, "... 10 not started; results in OUT (minitransfer
    report OUT)", a report of networks mostly not trained, where the demo goes on by a rerun."""
    script = textwrap.dedent(f"""
        import sys

        from minitransfer import demo as demos
        from minitransfer.cli import main
        from minitransfer.data import synthetic

        def benchmark(root=None):  # built once the reader of stdout has gone
            sys.stdin.readline()
            return {str(tiny_data)!r}

        synthetic.builtin_dataset = benchmark
        demos.CPU_PLAN = demos.DemoPlan(layers=(2,), networks_per_point=1, train={TINY!r}, selffer_fine_tuned=False)
        main(["demo", "-o", {str(tmp_path / "demo")!r}, "--device", "cpu"], prog_name="minitransfer")
        """)
    demo = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=hangup.buffered_environment())
    assert demo.stdout.readline().startswith("preparing the built-in synthetic benchmark")
    demo.stdout.close()  # head has read its lines
    demo.stdin.write("go\n")
    demo.stdin.close()
    error = demo.stderr.read()
    assert demo.wait(timeout=120) == _errors.EXIT_OUTPUT_CLOSED, error
    assert error == ("the demo stopped: the reader of its output went away (| head); rerun the same command to go "
                     "on (finished networks are kept)\n")
