"""info's "made again by" command runs on the recorded number of BLAS threads whatever the shell it is pasted into
exports: OpenBLAS reads OPENBLAS_NUM_THREADS before OMP_NUM_THREADS, so the command beginning `OMP_NUM_THREADS=1`
alone ran on 3 threads in a shell that exported OPENBLAS_NUM_THREADS=3 (other bits: OpenBLAS sums a product's terms
in another order on another number of threads)."""

import json

import pytest

from pasted import paste, ran
from test_made_again_blas_threads import TRAIN, _minitransfer, _network_sha256
from test_resume_blas_threads import _shell

from minitransfer.cpus import THREAD_VARIABLES, blas_kernels, thread_variable

pytestmark = pytest.mark.skipif(blas_kernels() is None, reason="NumPy's BLAS is not OpenBLAS: no threads recorded")


def test_the_pasted_command_runs_on_the_recorded_threads_where_the_shell_exports_openblas_num_threads(
        micro_data, tmp_path, monkeypatch):
    out = tmp_path / "net.h5"
    _minitransfer("train", "--data", micro_data, "-o", out, *TRAIN, env=_shell(OMP_NUM_THREADS="1"))
    made = next(line for line in _minitransfer("info", out).splitlines() if line.startswith("made again by: "))
    command = made.removeprefix("made again by: ")
    for name in THREAD_VARIABLES:  # the user's shell: OPENBLAS_NUM_THREADS=3 exported alone
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    again = tmp_path / "again.h5"
    ran(*paste(f"`{command.replace(str(out), str(again))}`", tmp_path))
    ran_with = json.loads((tmp_path / "again.run" / "result.json").read_text())["environment"]
    assert ran_with["blas_threads"] == 1, (command, ran_with)  # OpenBLAS's own count, read from the library
    assert _network_sha256(out) == _network_sha256(again)


@pytest.mark.parametrize("environ, variable", [
    ({"OMP_NUM_THREADS": "1"}, "OMP_NUM_THREADS"),
    ({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "4"}, "OMP_NUM_THREADS"),  # OpenBLAS never reads MKL's
    ({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2"}, "OPENBLAS_NUM_THREADS"),
    ({"OMP_NUM_THREADS": "1", "GOTO_NUM_THREADS": "2"}, "GOTO_NUM_THREADS"),
    ({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "0"}, "OMP_NUM_THREADS"),  # 0: not a count, OpenBLAS skips it
])
def test_the_recorded_variable_is_the_one_openblas_took_its_count_from(environ, variable):
    assert thread_variable(environ) == variable
