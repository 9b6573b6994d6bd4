"""The restricted unpickler CIFAR's python batches are read with (:mod:`.cifar`): plain containers and numpy
arrays only, so an archive can never run code; an array is rebuilt only as numpy pickles it, empty and then
filled from the bytes the pickle holds, so it cannot declare more; containers nested at most
:data:`MAX_NESTING` deep; every failure a ``DatasetError`` naming the file (:func:`restricted_load`)."""

import io
import pickle

import numpy as np

from minitransfer.errors import MinitransferError, error_words

from .schema import DatasetError

# numpy (1.x and 2.x module names) and the str→bytes helper protocol-2 pickles use; nothing else.
# _reconstruct and ndarray are given as _PickledArray's stand-ins (see there), _codecs.encode as _latin1_bytes.
SAFE_PICKLE_GLOBALS = frozenset({
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
})
MAX_NESTING = 32  # containers in containers a pickle may build (CIFAR's: 3); hashing a tuple 500,000 deep crashed


class _PickledArray:
    """numpy.ndarray as a pickle may name it: numpy pickles an array as ``_reconstruct(ndarray, (0,),
    b"b")``, an empty array its ``__setstate__`` then fills from the bytes the pickle holds (numpy
    checks they are as many as the shape needs). Called itself (``ndarray(shape, dtype, buffer, 0,
    strides)``: a byte repeated by zero strides, or uninitialised memory) or asked to reconstruct a
    full shape, an array of any size would come from a pickle of 200 bytes: both are refused."""

    def __call__(self, *arguments):
        raise pickle.UnpicklingError("refused to call numpy.ndarray: an array is rebuilt only from the bytes "
                                     "the pickle holds")

    @staticmethod
    def reconstruct(subtype, shape, dtype):
        if not isinstance(subtype, _PickledArray) or shape != (0,):
            raise pickle.UnpicklingError(f"refused to reconstruct an array of shape {shape!r}: an array is rebuilt "
                                         f"only from the bytes the pickle holds")
        return np.ndarray((0,), np.dtype(dtype.decode("latin1") if isinstance(dtype, bytes) else dtype))


def _latin1_bytes(text, encoding):
    """``_codecs.encode`` as protocol-2 pickles call it for bytes: ``(str, "latin1")``, nothing else (an encoding
    such as punycode takes minutes on a string of 30,000 characters)."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        shown = repr(encoding[:40]) if isinstance(encoding, str) else f"a {type(encoding).__name__}"
        raise pickle.UnpicklingError(f"refused to encode a {type(text).__name__} with {shown}: a pickle's bytes are "
                                     f"text encoded as latin1")
    return text.encode("latin1")


def _nesting(load, children):
    """The opcode ``load`` checked by :meth:`_RestrictedUnpickler._contain`: ``children(self)``, taken before it
    runs, are what it puts into the container it leaves on top of the stack."""
    def checked(self):
        added = children(self)
        load(self)
        self._contain(self.stack[-1], added)
    return checked


def _last(count=None):
    """The top ``count`` objects of the stack; all of it (the objects since the last MARK, which pop_mark gives the
    opcode) where None."""
    return lambda self: self.stack if count is None else self.stack[len(self.stack) - count:]


class RefusedPickle(MinitransferError, pickle.UnpicklingError):
    """A global :class:`_RestrictedUnpickler` refuses to load (os.system): a pickle made to run code, not one
    damaged (its other refusals, of sizes a bit flip makes, are damage). :func:`restricted_load` says it as a
    ``DatasetError``; a MinitransferError all the same, as every error class of the package is."""


class _RestrictedUnpickler(pickle._Unpickler):
    """Admits plain containers and numpy arrays only: any other global (os.system, eval, ...) is
    refused before it can be called, so an archive can never run code, and arrays are rebuilt only
    as numpy pickles them (:class:`_PickledArray`).

    Python's implementation of the unpickler, not the C one (``pickle.Unpickler``), which grows its
    memo (a list) to whatever index a PUT names: an 11-byte pickle whose LONG_BINPUT names index
    2**28 made it allocate and clear 4 GiB, one naming 2**30 all a workstation's memory, and one
    flipped bit in the index of one of the 10,000 file names of a batch can name such an index.
    This one keeps its memo in a dict, and reads a CIFAR batch in about 1.7 times as long (0.26 s
    against 0.155 s: nothing beside the decoding of the images). Its BYTEARRAY8 (protocol 5) allocates
    the length it declares before reading: refused, as CIFAR's pickles hold no bytearray."""

    dispatch = {**pickle._Unpickler.dispatch}

    def _refuse_bytearray(self):
        raise pickle.UnpicklingError("refused a bytearray: an array is rebuilt only from the bytes the pickle holds")

    dispatch[pickle.BYTEARRAY8[0]] = _refuse_bytearray

    # every opcode that puts objects into a container, with what it puts in (taken before it runs)
    for _opcode, _children in ((pickle.EMPTY_TUPLE, _last(0)), (pickle.EMPTY_LIST, _last(0)),
                               (pickle.EMPTY_DICT, _last(0)), (pickle.EMPTY_SET, _last(0)), (pickle.TUPLE1, _last(1)),
                               (pickle.TUPLE2, _last(2)), (pickle.TUPLE3, _last(3)), (pickle.APPEND, _last(1)),
                               (pickle.SETITEM, _last(2)), (pickle.BUILD, _last(1)), (pickle.TUPLE, _last()),
                               (pickle.LIST, _last()), (pickle.DICT, _last()), (pickle.FROZENSET, _last()),
                               (pickle.APPENDS, _last()), (pickle.SETITEMS, _last()), (pickle.ADDITEMS, _last())):
        dispatch[_opcode[0]] = _nesting(dispatch[_opcode[0]], _children)
    del _opcode, _children

    def __init__(self, file, **options):
        super().__init__(file, **options)
        self._depths = {}    # id(container): (container, its depth); kept alive, so that no other object has its id
        self._placed = set()  # ids of the containers put into another one: that one's depth counts on theirs

    def _contain(self, container, children):
        """Record ``container``'s depth, now that it holds ``children`` (besides what it held); ``UnpicklingError``
        when it passes :data:`MAX_NESTING`, or when it grows after being put into another container (whose depth
        was counted on it: pickles fill a container before they place it)."""
        depths = self._depths
        inner = [id(child) for child in children if id(child) in depths]
        depth = 1 + max([depths[key][1] for key in inner], default=0)
        known = depths.get(id(container))
        if known is not None and depth <= known[1]:
            return
        if depth > MAX_NESTING:
            raise pickle.UnpicklingError(f"containers nested more than {MAX_NESTING} deep")
        if known is not None and id(container) in self._placed:
            raise pickle.UnpicklingError("a container filled after it was put into another one")
        depths[id(container)] = (container, depth)
        self._placed.update(inner)

    def find_class(self, module, name):
        if (module, name) not in SAFE_PICKLE_GLOBALS:
            raise RefusedPickle(f"refused to load {module}.{name}: only containers and numpy arrays are "
                                         f"allowed")
        if name == "ndarray":
            return _PickledArray()
        if name == "_reconstruct":
            return _PickledArray.reconstruct
        if name == "encode":
            return _latin1_bytes
        return super().find_class(module, name)


class _PickleBytes(io.BytesIO):
    """A pickle's bytes, a read of which cut short is an error, as the C unpickler has it ("Ran out of input" for
    an opcode, "pickle data was truncated" for its argument): Python's unpickler takes what is left, and a pickle
    cut inside a string failed later, as "'utf-8' codec can't decode ..." or an EOFError without a word."""

    def read(self, size=-1):
        data = super().read(size)
        if size is not None and 0 <= size != len(data):
            if not data and size == 1:
                raise EOFError("Ran out of input")
            raise pickle.UnpicklingError("pickle data was truncated")
        return data


def restricted_load(data, origin, again=None):
    """Unpickle ``data`` (bytes) with :class:`_RestrictedUnpickler`; ``DatasetError`` naming ``origin``, and
    saying ``again`` (what to do: get the file again) where given."""
    try:
        return _RestrictedUnpickler(_PickleBytes(data), encoding="bytes").load()
    except MemoryError:
        raise
    # Exception: the unpickler calls nothing but the globals above, so whatever fails is the bytes' doing; damaged
    # ones raise far more kinds than UnpicklingError (LookupError, IndexError, OverflowError, SyntaxError from a
    # dtype's string, SystemError and RuntimeError from numpy's setstate ...), each a traceback naming no file
    except Exception as error:
        what = "unsafe pickle" if isinstance(error, RefusedPickle) else "damaged pickle"  # ("255" alone said nothing)
        raise DatasetError(f"{origin}: {what} ({error_words(error)}){f': {again}' if again else ''}") from error
