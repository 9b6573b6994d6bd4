"""Plain-Python oracles, measures and constants shared by several test modules, written
independently of minitransfer's code.

- The counter-based random bits (``minitransfer.counter_rng`` / ``kernels/common.cuh``) recomputed
  one Python int at a time: Wellons' lowbias32 and the documented key / bits formulas.
- :func:`relative_error`, the Frobenius-norm error the GPU tests bound.
- ``WEIGHT_LAYERS``, CaffeNet's weight layers, which the presets under test share.
- :func:`text_attributes`, every text attribute of an HDF5 file and whether it is variable-length.
"""

import h5py
import numpy as np

MASK = 0xFFFFFFFF
# CaffeNet's weight layers, which the presets under test share (written out, not read from the code).
WEIGHT_LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")


def relative_error(got, reference):
    """``‖got − reference‖ / ‖reference‖`` (Frobenius norms), computed in float64."""
    got = np.asarray(got, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    return float(np.linalg.norm(got - reference) / np.linalg.norm(reference))


def lowbias32(x):
    """Wellons' lowbias32 on a plain Python int (reduced modulo 2**32)."""
    x &= MASK
    x ^= x >> 16
    x = (x * 0x7FEB352D) & MASK
    x ^= x >> 15
    x = (x * 0x846CA68B) & MASK
    x ^= x >> 16
    return x


def stream_key(seed, counter):
    """``hash32(hash32(seed ^ 0x9e3779b9) ^ counter)``, seed and counter taken modulo 2**32."""
    return lowbias32(lowbias32((seed & MASK) ^ 0x9E3779B9) ^ (counter & MASK))


def random_bits(seed, counter, index):
    """The 32 random bits of element ``index`` of the stream (seed, counter)."""
    return lowbias32(stream_key(seed, counter) ^ index)


def text_attributes(path):
    """(object, attribute, variable-length?) of every text attribute in HDF5 file ``path``."""
    found = []
    with h5py.File(path, "r") as f:
        def check(name, obj):
            for attribute in obj.attrs:
                kind = obj.attrs.get_id(attribute).get_type()
                if isinstance(kind, h5py.h5t.TypeStringID):
                    found.append((name, attribute, kind.is_variable_str()))
        check("/", f)
        f.visititems(check)
    return found
