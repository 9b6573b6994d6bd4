"""``help(TrainConfig)`` and ``help(TrainResult)`` describe every field: each class docstring's
"Fields" section has one entry per dataclass field, in order, with its type and a description, and
TrainConfig's entries give every default that is not None as its repr."""

import dataclasses
import inspect
import pydoc
import re

import pytest

from minitransfer import config, train, train_config
from minitransfer.run_outcome import TrainResult

ENTRY = re.compile(r"^(\w+) : (\S+)$")


def _entries(cls):
    """{name: (type, description)} of the entries of ``cls``'s docstring's "Fields" section, in order."""
    lines = inspect.getdoc(cls).splitlines()
    assert "Fields" in lines, f"{cls.__name__}'s docstring has no Fields section"
    start = lines.index("Fields") + 2
    assert set(lines[start - 1]) == {"-"}
    entries, name = {}, None
    for line in lines[start:]:
        match = ENTRY.match(line)
        if match:
            name = match.group(1)
            assert name not in entries, f"{name} described twice"
            entries[name] = (match.group(2), [])
        elif line.startswith("    ") and name is not None:
            entries[name][1].append(line.strip())
        else:
            assert not line.strip(), f"{line!r} is no entry of {cls.__name__}'s Fields"
    return {name: (kind, " ".join(text)) for name, (kind, text) in entries.items()}


@pytest.mark.parametrize("cls", [train_config.TrainConfig, TrainResult], ids=lambda cls: cls.__name__)
def test_every_field_is_described_in_its_class_docstring(cls):
    entries = _entries(cls)
    fields = dataclasses.fields(cls)
    assert list(entries) == [field.name for field in fields]
    for field in fields:
        kind, description = entries[field.name]
        assert kind == field.type.__name__, field.name
        assert len(description.split()) >= 3, f"{field.name}: {description!r}"


def test_train_config_entries_give_its_defaults():
    entries = _entries(train_config.TrainConfig)
    for field in dataclasses.fields(train_config.TrainConfig):
        description = entries[field.name][1]
        assert "Default: " in description, field.name
        if field.default is not None:
            assert f"Default: {field.default!r}" in description, field.name


@pytest.mark.parametrize("cls", [train_config.TrainConfig, TrainResult], ids=lambda cls: cls.__name__)
def test_help_shows_the_fields(cls):
    shown = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    for field in dataclasses.fields(cls):
        assert f"{field.name} : {field.type.__name__}" in shown


def test_train_config_is_one_class_wherever_imported():
    assert config.TrainConfig is train.TrainConfig is train_config.TrainConfig
