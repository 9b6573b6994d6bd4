"""The "Exit codes:" paragraph of a command's help read entry by entry, for tests that match an exit code
with what the help says of it."""

import re


def exit_code_entries(text, separator=",", after=""):
    """{code: what it says} of the "Exit codes: ..." paragraph of ``text``, split at each "<separator> <code>
    <after>" outside parentheses: "Exit codes: 0 done, 2 usage (...), 65 ..." (the defaults), or "Exit codes:
    0: done; 74: ..." (``separator`` ";", ``after`` ":")."""
    paragraph = next(" ".join(part.split()) for part in text.split("\n\n") if part.strip().startswith("Exit codes:"))
    next_entry = re.compile(rf"{re.escape(separator)} \d+{re.escape(after)} ")
    entries, depth, start = {}, 0, len("Exit codes: ")
    for at, char in enumerate(paragraph):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if at == len(paragraph) - 1 or depth == 0 and next_entry.match(paragraph, at):
            code, said = paragraph[start:at + 1].rstrip(separator).split(f"{after} ", 1)
            entries[int(code)] = said
            start = at + 2
    return entries
