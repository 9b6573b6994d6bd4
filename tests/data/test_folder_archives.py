"""prepare folder on a tree where some images are still packed, as downloads and colleagues share them: a class's
archive beside the class folders (bird.zip beside cat/ and dog/) was passed over without a word, the dataset made
without the class; a SOURCE of archives only was "the folder of one class?"; an archive in a class folder was
skipped as "not an image, or in a format PIL cannot read". Each now names the archive and the command that
unpacks it where the import reads its images, and running that command imports them."""

import subprocess
import tarfile
import zipfile

import numpy as np
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset


def _prepare_folder(source, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(source), str(out), "--size", "12", "--workers", "0",
                                     "--val-fraction", "0"])


def _said(result):
    return " ".join(result.output.split())


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def _reds(data, label):
    labels = data.labels("train")
    images = data.images("train", np.flatnonzero(labels == label))
    return sorted(int(round(float(image[..., 0].mean()))) for image in images)


def _unpack(command):
    subprocess.run(["bash", "-c", command], check=True, capture_output=True)


def _classes(root, image_bytes, write_files, names=("cat", "dog")):
    """``root/<name>/<n>.png`` (2 a class, red 10 * (class + 1) + n)."""
    return write_files(root, {f"{name}/{number}.png": image_bytes((10 * (index + 1) + number, 0, 0), kind="PNG")
                              for index, name in enumerate(names) for number in range(2)})


def test_a_class_archive_beside_the_class_folders_is_warned_of_and_its_command_unpacks_it(tmp_path, image_bytes,
                                                                                           write_files):
    root = _classes(tmp_path / "my photos", image_bytes, write_files)
    _zip(root / "bird.zip", {f"bird pics/{number}.png": image_bytes((200 + number, 0, 0), kind="PNG")
                             for number in range(3)})  # a folder of its own inside, as zips often hold
    _zip(root / "cat.zip", {"0.png": image_bytes((11, 0, 0), kind="PNG")})  # unpacked into cat/: no class left out
    result = _prepare_folder(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    command = f"mkdir -p '{root / 'bird'}' && unzip '{root / 'bird.zip'}' -d '{root / 'bird'}'"
    assert (f"warning: 1 archive(s) not unpacked (bird.zip): unpack each into a class folder of its own, named as "
            f"its class ({command}), and rerun: they lie in no class folder, so the images they hold are not "
            f"imported") in _said(result), result.output
    assert [entry["name"] for entry in dataset.open_dataset(tmp_path / "out").classes] == ["cat", "dog"]
    _unpack(command)
    result = _prepare_folder(root, tmp_path / "again")
    assert result.exit_code == 0 and "not unpacked" not in result.output, result.output
    data = dataset.open_dataset(tmp_path / "again")
    assert [entry["name"] for entry in data.classes] == ["bird", "cat", "dog"]
    assert _reds(data, 0) == [200, 201, 202] and _reds(data, 1) == [10, 11] and _reds(data, 2) == [20, 21]


def test_a_source_of_class_archives_only_is_refused_naming_them_and_how_to_unpack_them(tmp_path, image_bytes,
                                                                                        tree_state):
    root = tmp_path / "downloads"
    root.mkdir()
    _zip(root / "bird.zip", {f"{number}.png": image_bytes((200 + number, 0, 0), kind="PNG") for number in range(2)})
    with tarfile.open(root / "fish.tar.gz", "w:gz") as archive:
        for number in range(2):
            (tmp_path / f"{number}.png").write_bytes(image_bytes((100 + number, 0, 0), kind="PNG"))
            archive.add(tmp_path / f"{number}.png", arcname=f"{number}.png")
    before = tree_state(root)
    result = _prepare_folder(root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert (f"{root}: no class folders, only 2 file(s); it holds 2 archive(s) not unpacked (bird.zip fish.tar.gz): "
            f"unpack each into a class folder of its own, named as its class (mkdir -p {root / 'bird'} && unzip "
            f"{root / 'bird.zip'} -d {root / 'bird'}, and so on); SOURCE must hold one folder per class") \
        in _said(result), result.output
    assert "(the folder of one class?)" not in result.output and tree_state(root) == before
    _unpack(f"mkdir -p {root / 'bird'} && unzip {root / 'bird.zip'} -d {root / 'bird'}")
    _unpack(f"mkdir -p {root / 'fish'} && tar xzf {root / 'fish.tar.gz'} -C {root / 'fish'}")
    result = _prepare_folder(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert _reds(data, 0) == [200, 201] and _reds(data, 1) == [100, 101]


def test_an_archive_in_a_class_folder_is_skipped_saying_to_unpack_it_there(tmp_path, image_bytes, write_files):
    root = _classes(tmp_path / "photos", image_bytes, write_files)
    _zip(root / "cat" / "more cats.zip", {f"{number}.png": image_bytes((50 + number, 0, 0), kind="PNG")
                                          for number in range(2)})
    result = _prepare_folder(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    packed, into = root / "cat" / "more cats.zip", root / "cat" / "more cats"
    command = f"mkdir -p '{into}' && unzip '{packed}' -d '{into}'"
    assert dataset.open_dataset(tmp_path / "out").meta["skipped"] == [
        {"file": str(packed), "subset": "train", "class": "cat",
         "reason": f"an archive, not an image: the images it holds are not imported; unpack it there ({command}) and "
                   f"rerun"}]
    _unpack(command)
    result = _prepare_folder(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert _reds(data, 0) == [10, 11, 50, 51] and _reds(data, 1) == [20, 21]
    assert data.meta["skipped"][0]["reason"] == ("an archive, not an image (unpacked beside it, in more cats/, whose "
                                                 "images are imported)")
