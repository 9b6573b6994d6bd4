"""Damage done to a prepared dataset's HDF5 files for the tests, as a bad disk or a hand would: one byte of
a dataset's stored values flipped, the file's structure left intact (only a checksum or a range check tells)."""

import h5py


def flip_stored_byte(path, name, at=0, mask=0x01):
    """Flip the bits ``mask`` of byte ``at`` of the HDF5 dataset ``name``'s stored values in ``path``."""
    with h5py.File(path, "r") as handle:
        offset = handle[name].id.get_offset()
    raw = bytearray(path.read_bytes())
    raw[offset + at] ^= mask
    path.write_bytes(bytes(raw))
