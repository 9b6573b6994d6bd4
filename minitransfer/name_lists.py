"""A list of names as a message says it: the first few and how many more (:func:`some_names`). Here, apart from
the grid's modules, so that any module may word its lists alike without importing them (the data package's too).
"""


def some_names(names, shown=3):
    """The ``names`` (runs, classes, files: strings), or the first ``shown`` of them and how many more:
    "a, b, c and 5 more"."""
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
