"""An import that finds, once its files are decoded, a class without a decodable image builds its shards again
without it (folder.import_folder's second pass). What prepare says of its writes is said against the folder as it
was before the import, not as the first pass left it: a first import says no shard was "reused" or "rebuilt", and
a rerun whose new class table shifts the labels still says so (the first pass had removed meta.json)."""

from minitransfer.data import folder, prepared_notes


def _tree(root, image_bytes, write_files, classes):
    """Class folders of 3 distinct JPEGs each; "zzbad" (when in ``classes``) holds only truncated JPEGs, whose
    first bytes pass for an image, so the class is found without an image only once they are decoded."""
    files = {}
    for number, name in enumerate(classes):
        for index in range(3):
            data = image_bytes((40 * number + 10, 20 * index + 5, 90))
            files[f"{name}/{index}.jpg"] = data[:300] if name == "zzbad" else data
    return write_files(root, files)


def test_a_first_import_that_leaves_a_class_out_reuses_no_shard(tmp_path, image_bytes, write_files):
    source = _tree(tmp_path / "photos", image_bytes, write_files, ["ant", "bee", "zzbad"])
    built = folder.import_folder(source, tmp_path / "out", size=12, workers=0, val_fraction=0.3)
    assert [entry["name"] for entry in built.meta["excluded_classes"]] == ["zzbad"]
    assert built.writes.shards_reused == 0 and built.writes.rebuilt == ()
    assert built.writes.said() == ""  # not "1 shard reused, 1 written (train-00000.h5 rebuilt: ...)"


def test_a_rerun_that_leaves_a_class_out_still_says_the_labels_changed(tmp_path, image_bytes, write_files):
    source = _tree(tmp_path / "photos", image_bytes, write_files, ["ant", "bee"])
    folder.import_folder(source, tmp_path / "out", size=12, workers=0, val_fraction=0.3)
    _tree(source, image_bytes, write_files, ["aardvark", "ant", "bee", "zzbad"])  # aardvark takes label 0
    built = folder.import_folder(source, tmp_path / "out", size=12, workers=0, val_fraction=0.3)
    assert [entry["wnid"] for entry in built.classes] == ["aardvark", "ant", "bee"]
    assert built.writes.classes_before == ("ant", "bee")
    said = [line for line in prepared_notes.notes(built) if "held a dataset of other classes" in line]
    assert len(said) == 1 and "label 0: 'aardvark', was 'ant'" in said[0]
