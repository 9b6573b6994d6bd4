"""Class families for the "natural" (dissimilar) split of a class-folder tree (:mod:`.folder`): the class table
with each class's family, from a families file (:func:`read_families`) or a WordNet is-a file."""

from . import dataset as ds
from . import text_files, wordnet
from .folder_tree import quoted, same_text


def family_class_table(names, families, family_a, is_a, known, root):
    """(class table, family of half A or None) for the classes ``names``."""
    if families:
        family_of, order = read_families(families, names, known, root)
        chosen = [family_of[name] for name in names]
        family_a = same_text(family_a) if family_a else order[0]
    elif is_a:
        chosen = wordnet.families_from_file(names, is_a)
        family_a = family_a or wordnet.NATURAL
    else:
        return [{"index": index, "wnid": name, "name": name} for index, name in enumerate(names)], None
    if family_a not in chosen:
        raise ValueError(f"--family-a {family_a!r} is not a family of these classes ({', '.join(sorted(set(chosen)))})")
    table = [{"index": index, "wnid": name, "name": name, "family": family}
             for index, (name, family) in enumerate(zip(names, chosen))]
    return table, family_a


def read_families(path, names, known, root):
    """({class: family}, family names in order of appearance) from the families file ``path``.

    Every class of ``names`` must have a family, every class named must be one of ``known`` (the
    class folders under ``root``), two or more families are needed, and a family is spelled one way
    ("Animal" beside "animal" is refused); ``DatasetError`` naming the file and the classes (or lines) at
    fault otherwise. A line names a folder as its name reads: spaces at
    its ends (which a line cannot keep) and the Unicode form (composed or decomposed, as macOS
    writes names) do not matter."""
    folder_of, twins = {}, {}
    for folder in sorted(known):
        key = same_text(folder).strip()
        if folder_of.setdefault(key, folder) != folder:
            twins.setdefault(key, [folder_of[key]]).append(folder)
    family_of, order, unknown, spelled = {}, [], set(), {}  # spelled: {casefolded family: (family, line)}
    lines = text_files.read_text(path, "families file").splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = text.rsplit(None, 1)
        if len(fields) != 2:
            raise ds.DatasetError(f"{path}:{number}: expected 'CLASS FAMILY', got {line!r}")
        name, family = same_text(fields[0]).strip(), same_text(fields[1])
        if name in twins:
            raise ds.DatasetError(f"{path}:{number}: {name!r} names the class folders {quoted(twins[name])}, which "
                                  f"differ only in spaces at their ends: rename one")
        if name not in folder_of:
            unknown.add(name)
            continue
        if family_of.setdefault(folder_of[name], family) != family:
            raise ds.DatasetError(f"{path}:{number}: class {name!r} is given a second family "
                                  f"({family_of[folder_of[name]]}, {family})")
        if family not in order:
            first = spelled.setdefault(family.casefold(), (family, number))
            if first[0] != family:  # "Animal" beside "animal" would put its classes in another half, unsaid
                raise ds.DatasetError(f"{path}:{number}: family {family!r} differs only in case from {first[0]!r} "
                                      f"(line {first[1]}): spell one family one way")
            order.append(family)
    if unknown:
        like = {key.casefold(): folder for key, folder in folder_of.items()}
        shown = [f"{name!r} (the folder {like[name.casefold()]!r}?)" if name.casefold() in like else repr(name)
                 for name in sorted(unknown)]
        raise ds.DatasetError(f"{path}: {len(unknown)} class(es) that are not class folders of {root}: "
                              f"{', '.join(shown[:10])}{' ...' if len(shown) > 10 else ''}")
    missing = [name for name in names if name not in family_of]
    if missing:
        comment = [name for name in missing if name.lstrip().startswith("#")]  # its line would be a comment
        hint = f" (a line starting with '#' is a comment: rename the folder {quoted(comment)})" if comment else ""
        raise ds.DatasetError(f"{path}: no family for {len(missing)} class(es): {quoted(missing)}{hint}")
    if len({family_of[name] for name in names}) < 2:
        dropped = sorted(set(known) - set(names))
        because = f" once the class(es) without a decodable image are left out ({quoted(dropped)})" if dropped else ""
        raise ds.DatasetError(f"{path}: every class is in one family{because}; the natural split needs two or more")
    return family_of, [family for family in order if family in {family_of[name] for name in names}]
