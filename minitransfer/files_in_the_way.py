"""Something other than a file where a run's file goes (a folder, a named pipe): refused before train writes
there, naming it and what to do (:func:`refuse_in_the_way`), as :mod:`minitransfer.train` locks the run
folder (:func:`read_first`) and once it knows the run trains; a finished run's result.json, by
:mod:`minitransfer.train_finished`. :data:`RUN_FILE_ROLES` says what each of a run's files holds.
"""

import os
import pathlib

from minitransfer import run_file_readers
from minitransfer.left_out import UnreadableRun
from minitransfer.rundir import RESULT_FILE, RUN_FILES


# What each of a run's files holds, as a refusal of something else in its place names it (refuse_in_the_way)
RUN_FILE_ROLES = {**dict(zip(RUN_FILES, ("configuration", "training log", "evaluation log", "checkpoint", "result"))),
                  "config.json.edited": "hand-edited configuration"}
RERUN = "rerun this command"


def refuse_files_in_the_way(run_dir, *names):
    """:func:`refuse_in_the_way` for the run's files ``names`` (of :data:`RUN_FILE_ROLES`) in ``run_dir``,
    before the run trains: a fresh run removes them, a resumed one appends to or replaces
    them, which failed with a bare "Is a directory" (exit 74, a result.json only once the run had trained) or
    waited for ever (a named pipe in place of config.json or metrics.jsonl)."""
    for name in names:
        refuse_in_the_way(pathlib.Path(run_dir) / name, RUN_FILE_ROLES[name])


def read_first(c):
    """The run's files :func:`refuse_files_in_the_way` checks as soon as the run folder is locked, before
    :func:`minitransfer.resume.resume_point` reads it: config.json (a named pipe there waited for ever); for
    a fresh run all but result.json (a folder in checkpoint.h5's place was taken for a run to continue), which
    only the run's end writes: what writes it again depends on where the run stands
    (:func:`minitransfer.train_finished.already_finished`, :func:`minitransfer.train._train`). A resumed run's
    other files are checked once it is known to train (a finished one writes none), its checkpoint.h5 refused
    by resume_point in its own words."""
    return [name for name in RUN_FILE_ROLES if name != RESULT_FILE] if c.resume is None else ["config.json"]


def refuse_in_the_way(path, role, again=RERUN):
    """:class:`UnreadableRun` (exit 65) naming ``path``, a run's file, where something not a file stands in
    its place (a folder, a named pipe; :func:`minitransfer.run_file_readers.checked` names which): train
    replaces no such thing in a run folder, so it says to move it away, and ``again``, what then writes the
    run's ``role`` (its result, its checkpoint ...). A link leading nowhere is no such thing: train replaces it."""
    if not os.path.exists(path) or os.path.isfile(path):
        return
    try:
        run_file_readers.checked(path, run_file_readers.JSON_BYTES)  # the kind of thing it is, in report's words
    except UnreadableRun as error:
        raise type(error)(f"{error}, where the run's {role} goes, which train does not replace: move it away, then "
                          f"{again}") from None
