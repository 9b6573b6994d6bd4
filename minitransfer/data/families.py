"""Class families for the "natural" (dissimilar) split of a class-folder tree (:mod:`.folder`): the class table
with each class's family, from a families file (:func:`read_families`) or a WordNet is-a file."""

from . import dataset as ds
from . import text_files, wordnet
from .folder_tree import quoted, same_text
from .schema import ImportUsageError


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
        raise ImportUsageError(f"--family-a {family_a!r} is not a family of these classes "
                               f"({', '.join(sorted(set(chosen)))})")
    table = [{"index": index, "wnid": name, "name": name, "family": family}
             for index, (name, family) in enumerate(zip(names, chosen))]
    return table, family_a


def read_families(path, names, known, root):
    """({class: family}, family names in order of appearance) from the families file ``path``.

    Every class of ``names`` must have a family, every class named must be one of ``known`` (the
    class folders under ``root``), two or more families are needed, and a family is spelled one way
    ("Animal" beside "animal" is refused); ``DatasetError`` naming the file and the classes (or lines) at
    fault otherwise: every fault of the file at once, each kind counted with a few of its lines or names
    (:func:`_faults_message`), so that one edit mends it. A line names a folder as its name reads: spaces at
    its ends (which a line cannot keep) and the Unicode form (composed or decomposed, as macOS
    writes names) do not matter."""
    folder_of, twins = {}, {}
    for folder in sorted(known):
        key = same_text(folder).strip()
        if folder_of.setdefault(key, folder) != folder:
            twins.setdefault(key, [folder_of[key]]).append(folder)
    family_of, order, unknown, spelled = {}, [], set(), {}  # spelled: {casefolded family: (family, line)}
    faulted = set()  # the class folders of a line at fault already (a class alone, twins): not also "no family"
    faults = {}  # {kind: [(line number, the whole message for that line, the line's part in a list)]}
    lines = text_files.read_text(path, "families file").splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = text.rsplit(None, 1)
        if len(fields) != 2:
            alone = same_text(text).strip()
            if alone in folder_of:  # a class without its family, the usual slip: its one fault, said once
                faulted.update(twins.get(alone, [folder_of[alone]]))
            faults.setdefault("line(s) not 'CLASS FAMILY'", []).append(
                (number, f"expected 'CLASS FAMILY', got {line!r}", repr(line)))
            continue
        name, family = same_text(fields[0]).strip(), same_text(fields[1])
        if name in twins:
            faulted.update(twins[name])
            faults.setdefault("class(es) naming two class folders that differ only in spaces at their ends (rename "
                              "one)", []).append(
                (number, f"{name!r} names the class folders {quoted(twins[name])}, which differ only in spaces at "
                         f"their ends: rename one", f"{name!r} ({quoted(twins[name])})"))
            continue
        if name not in folder_of:
            unknown.add(name)
            continue
        if family_of.setdefault(folder_of[name], family) != family:
            pair = f"({family_of[folder_of[name]]}, {family})"
            faults.setdefault("class(es) given a second family", []).append(
                (number, f"class {name!r} is given a second family {pair}", f"{name!r} {pair}"))
            continue
        if family not in order:
            first = spelled.setdefault(family.casefold(), (family, number))
            if first[0] != family:  # "Animal" beside "animal" would put its classes in another half, unsaid
                faults.setdefault("famil(ies) differing only in case from one before (spell one family one way)",
                                  []).append((number, f"family {family!r} differs only in case from {first[0]!r} "
                                                      f"(line {first[1]}): spell one family one way",
                                              f"{family!r} (line {first[1]}: {first[0]!r})"))
                continue
            order.append(family)
    named = []  # the faults of the file's classes as a whole
    if unknown:
        like = {key.casefold(): folder for key, folder in folder_of.items()}
        shown = [f"{name!r} (the folder {like[name.casefold()]!r}?)" if name.casefold() in like else repr(name)
                 for name in sorted(unknown)]
        named.append(f"{len(unknown)} class(es) that are not class folders of {root}: "
                     f"{', '.join(shown[:10])}{' ...' if len(shown) > 10 else ''}")
    missing = [name for name in names if name not in family_of and name not in faulted]
    if missing:
        comment = [name for name in missing if name.lstrip().startswith("#")]  # its line would be a comment
        hint = f" (a line starting with '#' is a comment: rename the folder {quoted(comment)})" if comment else ""
        named.append(f"no family for {len(missing)} class(es): {quoted(missing)}{hint}")
    if faults or named:
        raise ds.DatasetError(_faults_message(path, faults, named))
    if len({family_of[name] for name in names}) < 2:
        dropped = sorted(set(known) - set(names))
        because = f" once the class(es) without a decodable image are left out ({quoted(dropped)})" if dropped else ""
        raise ds.DatasetError(f"{path}: every class is in one family{because}; the natural split needs two or more")
    return family_of, [family for family in order if family in {family_of[name] for name in names}]


def _faults_message(path, faults, named):
    """The message naming every fault of the families file ``path``: one line's fault alone as
    ``path:line: what``; else each kind of ``faults`` ({kind: [(line, message, part)]}) counted, with its first
    five lines, then ``named`` (the classes unknown, the classes without a family), joined by " | "."""
    if not named and len(faults) == 1 and len(next(iter(faults.values()))) == 1:
        number, message, _ = next(iter(faults.values()))[0]
        return f"{path}:{number}: {message}"
    parts = [f"{len(found)} {kind}: " + ", ".join(f"line {number}: {part}" for number, _, part in found[:5])
             + (" ..." if len(found) > 5 else "") for kind, found in faults.items()]
    return f"{path}: " + " | ".join(parts + named)
