"""``python -m minitransfer.slurm_copied OUT RUN...``: the RUNs of the grid folder OUT that did not copy the network
their base's run folder holds now (its weights file gone), one name a line, judged as a local grid judges them
(:func:`minitransfer.grid_trained.copied_saved_base`). ``submit.sh``
(:func:`minitransfer.slurm_submit_checks.bases_copied_lines`) asks it of the runs whose trained file does not
record the sha256 of their base's checkpoint.h5: the same base written elsewhere, whose file records its own paths
(a grid trained on two machines and merged), which a local grid resumes and, before, submit.sh refused. Exit 2
where OUT's plan does not list a RUN as a copy (submit.sh then refuses those runs, as before)."""

import sys

from minitransfer.experiment import Run
from minitransfer.grid_plan_file import planned_records
from minitransfer.grid_trained import copied_saved_base, trained_file


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
        run = Run.from_json(planned[name])
        if not copied_saved_base(out, run, trained_file(out, run)):
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
