"""``python -m minitransfer.slurm_copied OUT RUN...``: the RUNs of the grid folder OUT that did not copy the network
their base's run folder holds now (its weights file gone), one name a line, judged as a local grid judges them
(:func:`copied_saved_base`). ``submit.sh`` (:func:`minitransfer.slurm_submit_checks.bases_copied_lines`) asks it
of the runs whose trained file does not record the sha256 of their base's checkpoint.h5: the same base written
elsewhere, whose file records its own paths (a grid trained on two machines and merged), which a local grid resumes
and, before, submit.sh refused. Exit 2 where OUT's plan does not list a RUN as a copy (submit.sh then refuses
those runs, as before)."""

import sys

from minitransfer import checkpoint as checkpoints
from minitransfer.experiment import Run, weights_path
from minitransfer.grid_plan_file import planned_records
from minitransfer.grid_trained import copied_base_sha256, trained_file


def copied_saved_base(out, run):
    """Whether the file ``run`` of ``out`` trained (:func:`~minitransfer.grid_trained.trained_file`) copied the
    network its base's file holds now, its base's checkpoint.h5 where its weights file is gone
    (:func:`~minitransfer.grid_trained.copied_base_sha256`: by the file's sha256, or by the network's digest
    where both record one); not where it recorded no sha256 of its base, or its file cannot be read."""
    saved = trained_file(out, run)
    try:
        meta = checkpoints.read_meta(saved) if saved else {}
    except (checkpoints.CheckpointError, OSError):
        return False
    copied = meta.get("parent_sha256")
    return bool(copied) and copied_base_sha256(out, run, meta, weights_path(out, run.parent)) == copied


def main(argv):
    if not argv:
        print("usage: python -m minitransfer.slurm_copied OUT RUN...", file=sys.stderr)
        return 2
    out, names = argv[0], argv[1:]
    planned = {record["name"]: record for record in planned_records(out)}
    unplanned = [name for name in names if not (name in planned and planned[name].get("parent"))]
    if unplanned:
        print(f"not copies in the plan of {out}: {', '.join(unplanned)}", file=sys.stderr)
        return 2
    for name in names:
        if not copied_saved_base(out, Run.from_json(planned[name])):
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
