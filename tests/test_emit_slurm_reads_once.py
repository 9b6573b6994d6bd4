"""``experiment --emit-slurm`` on a grid whose runs are finished: the check of the folder, the emission's notes
and the cost lines took each transfer's result.json from one read (the check's states, handed on); before,
the command read each three times (the check, the emission, the cost)."""

import collections

from click.testing import CliRunner

from minitransfer import grid_status
from minitransfer.cli import main


def test_emit_slurm_reads_a_finished_transfers_result_once(micro_data, tmp_path, monkeypatch):
    out = tmp_path / "grid"
    common = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--max-iter", "4",
              "--no-fine-tuned", "--device", "cpu"]
    trained = CliRunner().invoke(main, common)
    assert trained.exit_code == 0, trained.output
    reads, read = collections.Counter(), grid_status.read_result

    def counting(path, *args, **kwargs):
        reads[path.parent.name] += 1
        return read(path, *args, **kwargs)

    monkeypatch.setattr(grid_status, "read_result", counting)
    emitted = CliRunner().invoke(main, [*common, "--emit-slurm", str(tmp_path / "slurm"), "--time", "10"])
    assert emitted.exit_code == 0, emitted.output
    transfers = {name: count for name, count in reads.items() if not name.startswith("base")}
    assert transfers and set(transfers.values()) == {1}, reads
