"""Every byte of meta.json is checked by ``prepare verify``: 99 of the 1,072 single-byte flips of a small dataset's
meta.json passed it (its descriptive keys: source, skipped, generator_version, which nothing else reads), and nothing
recorded meta.json's own digest. prepare now records it in mean.h5 (attribute meta_sha256, of meta.json's text but
the mean image's sha256, which the check of mean.h5 covers); a dataset prepared before verifies, with a note saying
meta.json itself is unchecked, and trains. The oracle of each flip is the file itself: a flipped byte is another
meta.json than prepare wrote, whatever it says."""

import hashlib
import json
import pathlib

import h5py
from click.testing import CliRunner

from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset, integrity, synthetic
from minitransfer.data.schema import DatasetError


def test_every_single_byte_flip_of_meta_json_is_refused_by_verify(tmp_path, monkeypatch):
    # verify's record of the files it found intact, rewritten and fsynced at each call, decides nothing: not kept
    monkeypatch.setattr(integrity, "record_settled", lambda *args: None)
    folder = tmp_path / "synthetic-2"
    synthetic.build_synthetic(folder, classes=2, train_per_class=2, val_per_class=1, size=4, seed=0)
    meta = folder / "meta.json"
    written = meta.read_bytes()
    dataset.open_dataset(folder).verify()  # as prepared: intact
    missed = []
    for position in range(len(written)):
        meta.write_bytes(written[:position] + bytes([written[position] ^ 0x01]) + written[position + 1:])
        try:
            dataset.open_dataset(folder).verify()
        except (DatasetError, ValueError):  # ValueError: open_dataset's ConfigError of a count made odd, say
            continue
        missed.append(written[max(0, position - 12):position + 4].decode(errors="replace"))
    assert missed == [], f"{len(missed)} of {len(written)} flips passed, in: {missed[:10]}"


def _save(meta_path, meta, **layout):
    meta_path.write_text(json.dumps(meta, **layout) + "\n")


def test_a_meta_json_saved_again_in_another_layout_is_refused_and_an_edited_key_named(copy):
    """Its content as prepared, but its bytes (the fingerprint each run records) not; then a descriptive key
    edited, in prepare's own layout (indent 1, keys sorted)."""
    meta_path = copy / "meta.json"
    meta = json.loads(meta_path.read_text())
    _save(meta_path, meta, indent=2)
    done = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert done.exit_code == 65, done.output
    assert done.output.splitlines()[-1] == (f"error: bad data: {meta_path}: its content is as prepared, but not its "
                                            f"layout (saved again by an editor or a script?): its bytes are the "
                                            f"dataset's fingerprint, which each run records; rerun the prepare "
                                            f"command that built it, which writes it as it was"), done.output
    _save(meta_path, {**meta, "source": {**meta["source"], "generator_version": 4}}, indent=1, sort_keys=True)
    done = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert done.exit_code == 65, done.output
    assert f"error: bad data: {meta_path}: not the meta.json the dataset was prepared with ({copy / 'mean.h5'} " \
           f"records the sha256 " in done.output, done.output


def test_a_dataset_prepared_before_mean_h5_recorded_the_digest_verifies_with_a_note_and_trains(micro_data, tmp_path,
                                                                                              copy_dataset):
    """As prepare wrote it before: mean.h5 without meta_sha256, meta.json recording that mean.h5's sha256."""
    copy = copy_dataset(pathlib.Path(micro_data), tmp_path / "micro")
    with h5py.File(copy / "mean.h5", "r+") as handle:
        assert "meta_sha256" in handle.attrs  # as prepare writes it now
        del handle.attrs["meta_sha256"]
    meta = json.loads((copy / "meta.json").read_text())
    meta["mean"]["sha256"] = hashlib.sha256((copy / "mean.h5").read_bytes()).hexdigest()
    _save(copy / "meta.json", meta, indent=1, sort_keys=True)
    done = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert done.exit_code == 0, done.output
    assert "note: meta.json itself is unchecked: this dataset was prepared before mean.h5 recorded its digest; " \
           "its shards, mean image and class table are checked." in done.output, done.output
    trained = training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=str(copy), half="A", seed=0,
                                                  max_iter=1, eval_every=1, batch_size=4, preset="micro",
                                                  quiet=True, device="cpu"))
    assert trained.evaluations == 1
