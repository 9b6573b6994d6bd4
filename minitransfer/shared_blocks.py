"""A block within which work done once is shared (:func:`shared_within`): the plans a grid's checks resolve
(:func:`minitransfer.grid_preflight.plans_shared`), the files a report reads
(:func:`minitransfer.run_file_readers.reads_shared`)."""

import contextlib


@contextlib.contextmanager
def shared_within(shared):
    """Within the block, the context variable ``shared`` (default None) holds a dict, empty as the outermost
    such block begins: a block inside another shares the outer block's; nothing is kept once the outermost
    ends (the variable None again)."""
    if shared.get() is not None:
        yield
        return
    token = shared.set({})
    try:
        yield
    finally:
        shared.reset(token)
