"""``train --fine-tune`` without --copy-from (a transfer meant, ``-o A4B+.h5``, its base and n forgotten) trained a
base without a word, named as the transfer: --frozen without them was refused, --fine-tune (the default, typed)
was not. Typed, it is now refused as --frozen is, before anything is written; a copy takes it as before."""

from click.testing import CliRunner

from minitransfer.cli import main


def test_fine_tune_without_a_copy_is_refused_naming_what_it_needs(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--fine-tune", "-o", str(tmp_path / "A4B+.h5"),
                                       "--device", "cpu", "--max-iter", "1"], terminal_width=2000)
    assert result.exit_code == 2, result.output
    assert "error: --fine-tune applies to copied layers and needs --copy-from and --n (without them train trains a " \
           "base; leave --fine-tune out for one)" in result.output, result.output
    assert list(tmp_path.iterdir()) == []
