"""What eval.csv's lines, read already (:func:`minitransfer.run_logs.eval_csv_lines`: (line number, row, fault)
each), hold: the rows train writes (:func:`written_rows`), and the lines it never writes (:func:`line_faults`).
The one reading of them for the readers of a run's logs that read them once and ask both (report's checks, a
resume's, a caveat): before, each wrote the filter out again. Imports nothing: submit.sh's Python runs its source
too (:data:`minitransfer.slurm_finished.DIGEST_FUNCTIONS`).
"""


def written_rows(lines, up_to=None):
    """The rows {iteration, top1, top5, loss} of eval.csv's ``lines`` that train writes (no fault: as
    :func:`minitransfer.run_logs.read_eval_rows` reads them), those up to iteration ``up_to`` where given."""
    return [row for _, row, fault in lines if fault is None and (up_to is None or row["iteration"] <= up_to)]


def line_faults(lines, up_to=None):
    """(line number, what is wrong) of each of eval.csv's ``lines`` that train never writes: where ``up_to`` is
    given, only those up to that iteration, and each that is no row at all (wherever it is)."""
    return [(number, fault) for number, row, fault in lines
            if fault is not None and (row is None or up_to is None or row["iteration"] <= up_to)]
