"""The last line of a log, whole (:func:`last_whole_line`): read back from the file's end, block by block, until
that line's start, so that an error line longer than one block ("error: bad data: " and a long path or list)
is read as it begins, not cut to its last bytes; a line longer than :data:`LINE_CAP` is said to be cut.
"""

import os

BLOCK = 4096  # the bytes read first: most logs' last line is within them
LINE_CAP = 1 << 20  # the most read back for one line (a CaffeNet run's train.log is 60 MB, a line of it not)
CUT = "[cut: the line is longer than {cap} bytes; its end follows] "  # before a line cut at the cap


def last_whole_line(path, skipping=(), cap=LINE_CAP, first=BLOCK):
    """The last line of the file at ``path`` that is not blank, nor begins with one of ``skipping``, whole (read
    back from the end until its start, ``first`` bytes first, undecodable bytes replaced); "" where there is none.
    A line whose start is more than ``cap`` bytes before the end is returned as its end (within those bytes) after
    :data:`CUT`, said cut (it cannot be told to begin with ``skipping``'s words). OSError where the file cannot be
    read. :func:`minitransfer.fileio.last_lines` reads the last bytes alone: a longer line comes back cut, its
    beginning ("error: ...") lost."""
    skipping = tuple(skipping)
    with open(path, "rb") as stream:
        end = stream.seek(0, os.SEEK_END)
        size = max(1, min(first, cap))
        while True:
            start = max(0, end - size)
            stream.seek(start)
            lines = stream.read(end - start).split(b"\n")
            first_whole = 0 if start == 0 else 1  # the first line read begins before the bytes read
            for line in reversed(lines[first_whole:]):
                text = line.decode("utf-8", "replace")
                if text.strip() and not text.startswith(skipping):
                    return text
            if start == 0:
                return ""
            if size >= cap:  # its start not reached within the cap: the line's end, said cut
                text = lines[0].decode("utf-8", "replace")
                return CUT.format(cap=cap) + text if text.strip() else ""
            size = min(size * 4, cap)
