"""The steps every importer takes first, in one order, before it lists its source or writes into OUT
(:func:`open_import`): each refusal then reads the same from every importer, and a check added here holds for all."""

from minitransfer.home_paths import expanded

from . import inputs
from .build import check_arguments, check_out
from .decoder_pool import refuse_in_script_rerun


def open_import(importer, source, out, *files, size, workers, options=None, source_check=None, resolved=True):
    """``(source, out, *files)`` of the import ``importer`` (its function's name, "import_folder"), once:

    its process exits at once where it is a decoding process running a script's top level again
    (:func:`.decoder_pool.refuse_in_script_rerun`); each path's leading ``~`` is the home folder
    (:func:`minitransfer.home_paths.expanded`); ``size`` and ``workers`` lie in their ranges
    (:func:`.build.check_arguments`), then the importer's own ``options()``; a ``source`` (None: the synthetic
    set's, which has none) is there (:func:`.inputs.given_source`: returned absolute, or as given where not
    ``resolved``, so that messages name it as typed), OUT lies apart from it (:func:`.inputs.check_apart`), then
    ``source_check(source)``; OUT holds no other files than a dataset's (:func:`.build.check_out`). Each refusal
    is an :class:`.schema.ImportUsageError` (a usage error, exit code 2) but the importer's own."""
    refuse_in_script_rerun(f"{importer}()")
    out, *files = map(expanded, (out, *files))
    check_arguments(size, workers)
    if options is not None:
        options()
    if source is not None:
        source = expanded(source)
        absolute = inputs.given_source(source)
        source = absolute if resolved else source
        inputs.check_apart(source, out)
        if source_check is not None:
            source_check(source)
    check_out(out)
    return (source, out, *files)
