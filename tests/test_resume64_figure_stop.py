"""A stop (SIGINT, SIGTERM, SIGHUP) that comes while ``report`` renders a figure: matplotlib's Agg renderer
reads a figure's clip box through pybind11, which calls ``Bbox.__array__`` (Python, where the signal's
handler raises KeyboardInterrupt), clears the error it raised and throws its own: the report ended in a
"ValueError: Invalid bounding box" traceback, exit code 1, where a stop says 75 (rerun). Found by
SIGINT at random moments of ``report`` (1 in 23 trials); here the signal's handler runs at the moment
it struck, deterministically."""

import signal

import pytest
from matplotlib import transforms

from minitransfer import figures, stopping


@pytest.fixture
def stop_as_the_clip_box_is_read(monkeypatch):
    """The first ``Bbox.__array__`` (the Agg renderer's read of a clip box) runs the stop signal's handler."""
    monkeypatch.setattr(stopping, "_raised", [])
    original = transforms.BboxBase.__array__
    reads = []

    def stopped(self, *arguments, **options):
        reads.append(self)
        if len(reads) == 1:
            stopping.interrupt(signal.SIGINT, None)
        return original(self, *arguments, **options)

    monkeypatch.setattr(transforms.BboxBase, "__array__", stopped)
    return reads


def _line_figure():
    figure = figures.figure_class()()
    figure.add_subplot().plot([1.0, 3.0, 2.0])
    return figure


def test_a_stop_as_a_figure_is_rendered_is_a_stop_not_matplotlibs_error(stop_as_the_clip_box_is_read):
    with pytest.raises(KeyboardInterrupt) as stopped:
        figures.render(_line_figure(), "png")
    assert stop_as_the_clip_box_is_read, "the clip box was never read: nothing stopped"
    assert "Invalid bounding box" in str(stopped.value.__cause__)  # the oracle: what matplotlib made of it


def test_an_error_without_a_stop_in_the_block_stays_that_error(monkeypatch):
    monkeypatch.setattr(stopping, "_raised", [])
    with pytest.raises(KeyboardInterrupt):
        stopping.interrupt(signal.SIGTERM, None)  # a stop before the block, answered there
    with pytest.raises(ValueError, match="not a stop"), stopping.stop_not_replaced():
        raise ValueError("not a stop")
