"""What each ``minitransfer prepare`` command's --help says of the files it writes and of its exit codes, added to
the help of each (:func:`teach`), before its example: the codes from :mod:`._errors`' constants, not numbers
retyped, and only those the command exits with. The group's help says when each occurs."""

import inspect

from minitransfer.data import image_files, lock
from minitransfer.data.build import DIGESTS_FILE
from minitransfer.data.shard_format import MEAN_FILE, META_FILE, SKIPPED_FILE, shard_name

from ._errors import EXIT_BAD_DATA, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_IO, EXIT_OUTPUT_CLOSED, EXIT_USAGE

# What each code means, said shortly: prepare --help says when each occurs
MEANINGS = {0: "done", EXIT_ERROR: "error", EXIT_USAGE: "usage", EXIT_BAD_DATA: "bad data", EXIT_IO: "I/O",
            EXIT_INTERRUPTED: "interrupted", EXIT_OUTPUT_CLOSED: "output closed (| head)"}

_IMPORT_CODES = (0, EXIT_USAGE, EXIT_BAD_DATA, EXIT_IO, EXIT_INTERRUPTED, EXIT_OUTPUT_CLOSED)
# The causes of its own each command says (code: cause), where it exits with a code more than an import does
# (_IMPORT_CODES): the decoding processes' (or CIFAR's --workers') WorkerDied, imagenet's MissingDependency (SciPy)
CODES = {
    "imagenet": {EXIT_ERROR: "a decoding process killed, --devkit without SciPy"},
    "folder": {EXIT_ERROR: "a decoding process killed"},
    "tiny-imagenet": {EXIT_ERROR: "a decoding process killed"},
    "cifar10": {EXIT_ERROR: "a --workers process killed"},
    "cifar100": {EXIT_ERROR: "a --workers process killed"},
    "synthetic": {EXIT_BAD_DATA: "--verify"},
    "verify": {EXIT_USAGE: "no dataset folder, a prepare writing it", EXIT_BAD_DATA: "a file damaged, named",
               EXIT_IO: "a file unreadable, or held open by a writer"},
}
CODES_OF = {name: tuple(sorted({*_IMPORT_CODES, *causes})) for name, causes in CODES.items()}

_WRITTEN = (f"Writes in OUT: {META_FILE}, {MEAN_FILE}, the shards ({shard_name('train', 0)}, "
            f"{shard_name('val', 0)} ...), {lock.LOCK_FILE} (empty)")
WRITES = {name: f"{_WRITTEN}." for name in ("synthetic", "cifar10", "cifar100")}
WRITES["verify"] = f"Writes nothing but PATH/{lock.LOCK_FILE} (empty), where it is missing: the lock."
for _name in ("imagenet", "folder", "tiny-imagenet"):  # skipped.txt: each one's help says what it lists
    _also = f", {image_files.FILE}" if _name == "folder" else ""
    WRITES[_name] = f"{_WRITTEN}, {DIGESTS_FILE}{_also}, {SKIPPED_FILE}."


def exit_codes(name):
    """The "Exit codes:" paragraph of command ``name``: each code it exits with, its meaning, its own cause."""
    causes = CODES[name]
    said = [f"{code} {MEANINGS[code]}" + (f" ({causes[code]})" if code in causes else "") for code in CODES_OF[name]]
    return f"Exit codes: {', '.join(said)}; causes: prepare --help."


def teach(group):
    """Add to the help of each command of ``group`` (prepare) that :data:`WRITES` names what it writes and its exit
    codes (:func:`exit_codes`), before its example (its last paragraph that starts with "Example")."""
    for name, command in group.commands.items():
        if name not in WRITES:
            continue
        text = inspect.cleandoc(command.help)
        paragraphs = text.split("\n\n")
        at = max((index for index, paragraph in enumerate(paragraphs)
                  if paragraph.lstrip("\b\n").startswith("Example")), default=len(paragraphs))
        command.help = "\n\n".join([*paragraphs[:at], WRITES[name], exit_codes(name), *paragraphs[at:]])
