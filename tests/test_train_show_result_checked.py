"""``train``'s ``show_result`` is a flag: a value that is not True or False (the text "no", which Python
counts as true) is refused naming it, before anything is written, as its other arguments are; before, any
value was taken by its truth, and ``show_result="no"`` said the result line all the same."""

import pytest

from minitransfer import config
from minitransfer import train as training
from test_library_api import FAST


@pytest.mark.parametrize("given", ["no", 0, None])
def test_a_show_result_that_is_no_flag_is_refused_naming_it_before_anything_is_written(micro_data, tmp_path, given):
    with pytest.raises(config.ConfigError, match=f"^`show_result` must be True or False, got {given!r}$"):
        training.train(training.TrainConfig(out=tmp_path / "net.h5", data=micro_data, **FAST), show_result=given)
    assert list(tmp_path.iterdir()) == []
