"""Command lines for the tests: options of a shared list changed for one test."""


def overriding(args, *changes):
    """``args`` (options, each a flag or followed by its value) with the options in ``changes`` given
    there instead: those ``args`` hold are left out, with their values (a command warns of an option
    given twice)."""
    changed = {token for token in changes if token.startswith("--")}
    kept, index = [], 0
    while index < len(args):
        if args[index] in changed:
            takes_value = index + 1 < len(args) and not args[index + 1].startswith("--")
            index += 2 if takes_value else 1
        else:
            kept.append(args[index])
            index += 1
    return [*kept, *changes]
