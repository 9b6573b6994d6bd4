"""CIFAR pickles crafted to hang, crash or recurse the import (a hostile download): an encoding other than the
latin1 that protocol 2 pickles bytes with (punycode took superlinear time), containers nested so deep that
hashing one overflowed the C stack (exit 139) or its str raised RecursionError (a traceback), class names and
keys that are not text. Each is bad data naming the archive member (exit 65), found before any of it runs."""

import pickle
import subprocess
import sys

import pytest

from minitransfer.data import cifar, dataset, restricted_pickle
from data.test_cifar10 import _cifar10_parts, _cifar100_parts, _prepare, _write_archive


class _Encoded:
    """Pickles as ``_codecs.encode(text, encoding)``, the call protocol 2 makes for bytes (with latin1)."""

    def __init__(self, text, encoding):
        self.text, self.encoding = text, encoding

    def __reduce__(self):
        import _codecs
        return _codecs.encode, (self.text, self.encoding)


def _depth(value):
    """How many containers deep ``value`` is (an oracle written apart from the unpickler's count)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, [*value, *value.values()]), default=0)
    if isinstance(value, (list, tuple, set, frozenset)):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _nested(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _archive_with(tmp_path, name, content):
    parts = _cifar10_parts()
    parts[name] = content
    return _write_archive(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", parts)


def _refused(tmp_path, archive, member, says):
    result = _prepare("cifar10", archive, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.startswith(f"error: bad data: {archive}:{member}: "), result.output
    assert says in result.output
    assert not (tmp_path / "out").exists()


def test_bytes_are_encoded_only_as_latin1(tmp_path):
    text = "".join(chr(0x100 + number) for number in range(50))  # 30,000 of them made punycode run for minutes
    meta = pickle.dumps({b"label_names": _Encoded(text, "punycode")}, protocol=2)
    _refused(tmp_path, _archive_with(tmp_path, "batches.meta", meta), "batches.meta",
             "damaged pickle (UnpicklingError: refused to encode a str with 'punycode'")
    assert cifar.restricted_load(pickle.dumps(_Encoded("caf\xe9", "latin-1"), protocol=2), "here") == b"caf\xe9"


def test_a_key_nested_too_deep_to_hash_is_refused_not_a_crash(tmp_path):
    """A tuple 500,000 deep as a batch's key: hashing it overflowed the C stack (a segfault), so this runs apart."""
    batch = b"\x80\x02}" + b")" + b"\x85" * 500_000 + b"K\x01" + b"s."  # {((((),),)...): 1}
    archive = _archive_with(tmp_path, "data_batch_1", batch)
    script = ("import sys; from click.testing import CliRunner; from minitransfer.cli import main; "
              "result = CliRunner().invoke(main, ['prepare', 'cifar10', sys.argv[1], sys.argv[2]]); "
              "print(result.output, end=''); sys.exit(result.exit_code)")
    run = subprocess.run([sys.executable, "-c", script, str(archive), str(tmp_path / "out")], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 65, (run.returncode, run.stdout, run.stderr[-2000:])
    assert run.stdout.startswith(f"error: bad data: {archive}:data_batch_1: damaged pickle ")
    assert f"containers nested more than {restricted_pickle.MAX_NESTING} deep" in run.stdout


def test_class_names_nested_a_million_deep_are_bad_data_not_a_traceback(tmp_path):
    """Reported a million deep, where str of a class name raised RecursionError: that happens past
    sys.getrecursionlimit() (1,000), so 100,000 deep is as hostile at a tenth of the unpickling time."""
    count = 100_000
    assert count > 50 * sys.getrecursionlimit()
    meta = b"\x80\x02}C\x0blabel_names" + b"]" * count + b"a" * (count - 1) + b"s."  # {b'label_names': [[[...]]]}
    _refused(tmp_path, _archive_with(tmp_path, "batches.meta", meta), "batches.meta",
             f"containers nested more than {restricted_pickle.MAX_NESTING} deep")


@pytest.mark.parametrize("depth", [restricted_pickle.MAX_NESTING, restricted_pickle.MAX_NESTING + 1])
def test_nesting_is_counted_as_the_containers_are_built(depth):
    value = {b"names": [_nested(depth - 2)], b"shape": (1, 2)}
    assert _depth(value) == depth
    for protocol in (0, 2, 5):
        raw = pickle.dumps(value, protocol=protocol)
        if depth <= restricted_pickle.MAX_NESTING:
            assert cifar.restricted_load(raw, "here") == value
        else:
            with pytest.raises(dataset.DatasetError, match=f"here: damaged pickle .*nested more than {depth - 1} deep"):
                cifar.restricted_load(raw, "here")


def test_a_container_filled_after_it_was_put_into_another_is_refused():
    """Grown through the memo after its parent counted its depth: a chain of them nests without bound."""
    raw = (b"\x80\x02]q\x00"  # A = [], memo 0
           b"]h\x00a"         # B = [A]
           b"h\x00]a"         # A.append([]): A deeper than B counted it
           b"0.")
    with pytest.raises(dataset.DatasetError, match="a container filled after it was put into another one"):
        cifar.restricted_load(raw, "here")


def test_a_class_name_that_is_not_text_is_bad_data(tmp_path):
    parts = _cifar100_parts()
    parts["meta"][b"fine_label_names"][1] = [[b"pear"]]  # was imported as the class "[[b'pear']]"
    archive = _write_archive(tmp_path / "cifar-100-python.tar.gz", "cifar-100-python", parts)
    with pytest.raises(dataset.DatasetError, match=r"cifar-100-python.tar.gz:meta: a class name is a list, not text"):
        cifar.import_cifar100(archive, tmp_path / "out")


def test_a_key_that_is_not_text_is_bad_data(tmp_path):
    parts = _cifar10_parts()
    parts["test_batch"][(1, 2)] = b"x"
    archive = _write_archive(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", parts)
    _refused(tmp_path, archive, "test_batch", "a key is a tuple, not text")
