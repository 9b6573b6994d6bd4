"""Half A of a families file's natural split is its first family (without --family-a) among the classes that are
imported: where every class of the file's first family is left out (no decodable image), half A is the next
family, not a family no class of the dataset has (which would be refused as a --family-a never given).
The expectations are read off the file by hand."""

from minitransfer.data import families


def _table(tmp_path, lines, names, known):
    path = tmp_path / "families.txt"
    path.write_text("".join(f"{line}\n" for line in lines))
    return families.family_class_table(names, path, None, None, known, tmp_path)


def test_half_a_is_the_first_family_of_the_file(tmp_path):
    table, family_a = _table(tmp_path, ["cat animal", "car vehicle", "dog animal"], ["car", "cat", "dog"],
                             {"car", "cat", "dog"})
    assert family_a == "animal"
    assert [(entry["name"], entry["family"]) for entry in table] == [("car", "vehicle"), ("cat", "animal"),
                                                                    ("dog", "animal")]


def test_a_first_family_whose_classes_are_all_left_out_gives_half_a_to_the_next(tmp_path):
    # "moth" has no decodable image: it is a class folder (known) but not among the classes imported (names)
    lines = ["moth insect", "cat animal", "car vehicle", "dog animal", "bus vehicle"]
    table, family_a = _table(tmp_path, lines, ["bus", "car", "cat", "dog"], {"bus", "car", "cat", "dog", "moth"})
    assert family_a == "animal"
    assert {entry["name"]: entry["family"] for entry in table} == {"bus": "vehicle", "car": "vehicle",
                                                                   "cat": "animal", "dog": "animal"}
