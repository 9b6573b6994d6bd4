"""``--sbatch-option`` values that override what the tasks rely on, as the input variables submit.sh
refuses do: written after the scripts' own ``#SBATCH`` lines, sbatch takes them over those (seen on the
test cluster, tests/slurm_cluster.py: ``scontrol show job`` and the tasks' output). No SLURM needed:
refused at emission, nothing written."""

import pytest
from test_slurm import OPTIONS, sbatch_lines  # noqa: F401
from test_slurm_options import emit_cli, emit_refused

from minitransfer import slurm, slurm_sbatch_words
from minitransfer import experiment as grid

OUTPUT_ELSEWHERE = ("over the scripts' --output (logs/<script>-<job>_<task>.out in their folder, which submit.sh "
                    "makes): the tasks' output, or their errors, would go elsewhere than submit.sh and the tasks say")


@pytest.mark.parametrize("option, said", [
    ("--output=/elsewhere/%j.out", "sbatch would take --output " + OUTPUT_ELSEWHERE),
    ("-o /elsewhere/x.out", "sbatch would take --output " + OUTPUT_ELSEWHERE),
    ("--ou=x.out", "sbatch would take --output " + OUTPUT_ELSEWHERE),
    ("--error=err-%j", "sbatch would take --error " + OUTPUT_ELSEWHERE),
    ("--exclusive -eerr", "sbatch would take --error " + OUTPUT_ELSEWHERE),
    ("--open-mode=truncate", "sbatch would take --open-mode over the scripts' --open-mode=append: each requeue of a "
                             "task would truncate its output, the lines of its earlier starts lost"),
    ("--open-mode=append --open-mode=t", "the lines of its earlier starts lost"),
    ("--wait", "sbatch would take --wait over its default of returning once a job is queued: each sbatch of "
               "submit.sh would wait for its array to end, the transfers queued only after the bases ended"),
    ("-vW", "sbatch would take --wait over its default of returning once a job is queued"),
    ("--export=ALL,SLURM_LABELIO=1", "sets SLURM_LABELIO in the environment of each task, where its srun takes it "
                                     "(submit.sh unsets it in its own), changing its output: leave SLURM_LABELIO out "
                                     "of --export"),
    ("--export ALL,HOME,SLURM_CPUS_PER_TASK=4", "sets SLURM_CPUS_PER_TASK in the environment of each task, where its "
                                                "srun takes it (submit.sh unsets it in its own), changing its "
                                                "resources: leave SLURM_CPUS_PER_TASK out of --export"),
    ("--export=ALL,SLURM_CLUSTERS=other", "changing the cluster it, squeue, scancel and scontrol ask"),
    ("--no-requeue", "sbatch would take --no-requeue over the scripts' --requeue: a task interrupted to checkpoint "
                     "before its time limit could not requeue itself to resume (scontrol requeue: Requested operation "
                     "is presently disabled), nor SLURM requeue one whose node failed; leave it out"),
    ("--exclusive --no-requeue", "sbatch would take --no-requeue over the scripts' --requeue"),
    ("--no-req", "sbatch would take --no-requeue over the scripts' --requeue"),
], ids=["output", "output-letter", "output-prefix", "error", "error-letter-bundled", "open-mode-truncate",
        "open-mode-last-truncate", "wait", "wait-letter-bundled", "export-labelio", "export-spaced-cpus",
        "export-clusters", "no-requeue", "no-requeue-after-another", "no-requeue-prefix"])
def test_emission_refuses_an_sbatch_option_overriding_what_the_tasks_rely_on(tmp_path, synthetic_8, option, said):
    """Before: written into the scripts after their own lines, and taken over them on the test cluster:
    --output to a folder not there left the task without output and its run untrained (submit.sh still
    said the output was in logs/), --error sent the tasks' failure lines elsewhere, --open-mode=truncate
    left only the last start's lines of a requeued task, --wait held submit.sh in sbatch until the array
    ended, --export=ALL,SLURM_LABELIO=1 began each line of train.log with "0: ", and --no-requeue undid
    the scripts' --requeue (SBATCH_NO_REQUEUE is refused by submit.sh for that)."""
    refused, output = emit_refused(tmp_path, synthetic_8, option)
    assert refused.startswith(repr(option)) and said in refused, refused
    assert said in " ".join(output.split())
    assert "Traceback" not in output


@pytest.mark.parametrize("option", ["--open-mode=append", "--open-mode=A", "--export=NONE", "--export=ALL,HOME",
                                    "--export=ALL,CUDA_VISIBLE_DEVICES=0", "--comment=-o", "-J -o"],
                         ids=["append", "append-letter", "export-none", "export-name-alone", "export-other-value",
                              "comment-value", "job-named-o"])
def test_emission_takes_an_sbatch_option_that_leaves_the_tasks_as_they_are(tmp_path, option):
    """--export=NONE trained on the test cluster (SLURM loads the user's login environment; the train
    command names its program by its full path); -o as the value of -J or --comment is no option (--o,
    ambiguous, is refused: tests/test_slurm_refused_options.py)."""
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                     sbatch_options=(option,))
    assert sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())[-1] == option


LOGIN_ENVIRONMENT = ("passes none of the submitting shell's variables on to the tasks but those it names: each "
                     "starts with SLURM's login environment only, without what that shell set up (modules loaded, "
                     "CUDA's LD_LIBRARY_PATH, a conda environment activated), and every task may fail as it starts; "
                     "to keep them, give --export=ALL (sbatch's default, as without --export), or name in it each "
                     "variable the tasks need")


@pytest.mark.parametrize("option, warned", [
    ("--export=NONE", True), ("--export none", True), ("--export=HOME,PATH", True),
    ("--export=NONE,CUDA_VISIBLE_DEVICES=0", True), ("--export=ALL --export=NONE", True), ("--export=ALL", False),
    ("--export=all,HOME", False), ("--export=NONE --export=ALL", False), ("--comment=--export=NONE", False),
    ("--mem=4G", False),
], ids=["none", "none-spaced-lower", "names", "none-with-a-value", "none-last", "all", "all-lower-with-a-name",
        "all-last", "comment", "no-export"])
def test_emission_warns_that_an_export_without_all_leaves_the_shells_environment_out(tmp_path, option, warned):
    """Before: taken without a word. With NONE, or names without ALL (the last --export, as sbatch takes
    it), each task starts with SLURM's login environment only: modules loaded in the submitting shell
    are not there, and every task may fail at its start. Warned, still written as given."""
    said = []
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                     sbatch_options=(option,), progress=said.append)
    warnings = [line for line in said if line.startswith("warning: ")]
    assert warnings == [f"warning: {option!r} {LOGIN_ENVIRONMENT}"] * warned
    written = {"--export none": "--export=none"}.get(option, option)  # a spaced value joined to its option
    assert sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())[-1] == written


def test_library_emission_without_progress_warns_of_export_none_on_stderr(tmp_path, capsys):
    """emit_slurm called as a library function, without ``progress``: before, the warning was dropped
    (said only to a ``progress``); now on stderr, as the library's other warnings (stopping.warn)."""
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                     sbatch_options=("--export=NONE",))
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err.splitlines() == [f"warning: '--export=NONE' {LOGIN_ENVIRONMENT}"]


def test_cli_warns_that_export_none_leaves_the_shells_environment_out(tmp_path, synthetic_8):
    done = emit_cli(tmp_path, synthetic_8, "--sbatch-option=--export=NONE")
    assert done.exit_code == 0, done.output
    assert f"warning: '--export=NONE' {LOGIN_ENVIRONMENT}" in " ".join(done.output.split())


@pytest.mark.parametrize("option, read", [
    ("-o x.out", [("output", "x.out")]), ("-Ho%j.out", [("output", "%j.out")]), ("--ou x", [("output", "x")]),
    ("--o=x", []), ("--er=e", [("error", "e")]), ("--e=x", []), ("--op=t", [("open-mode", "t")]),
    ("-W", [("wait", None)]), ("-Wt3", [("wait", None), ("time", "3")]), ("--wai", []), ("--wait-all-nodes=1", []),
    ("--export NONE", [("export", "NONE")]), ("--expo=NONE", []), ("--export-file=f", []), ("-J -e", []),
], ids=["output-letter", "output-bundled", "output-prefix", "ambiguous-o", "error-prefix", "ambiguous-e",
        "open-mode-prefix", "wait-letter", "wait-then-time", "ambiguous-wait", "wait-all-nodes", "export-spaced",
        "ambiguous-export", "export-file", "job-named-e"])
def test_the_overriding_options_are_read_as_sbatch_reads_them(option, read):
    """As sbatch 22.05 reads them (seen with sbatch -v): --ou, --er and --op are unambiguous prefixes,
    --o, --e, --wai and --expo are not (--overcommit, --exclude, --wait-all-nodes, --export-file)."""
    assert slurm_sbatch_words.scripts_own_options(slurm_sbatch_words.option_words(option)[1]) == read
