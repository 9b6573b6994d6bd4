"""The unbroken help's wrapper (cli._help_format) swaps click's TextWrapper while a help is formatted. Two
threads formatting at once left it swapped for good: the one that began first put click's class back, the
other then put back the swapped one it had found. The swap is now shared and undone by the last block to
end, and unbroken only in the thread formatting an unbroken help: another thread's click wraps as click does."""

import textwrap
import threading

import click
from click import _textwrap

from minitransfer.cli import _help_format

TEXT, WIDTH = "x " + "a" * 30 + " well-known", 10


def _in_two_threads(first_inside, second_inside):
    """Thread one enters the block, then thread two; one leaves first, two after it. Each ``*_inside`` is
    called in its thread within its block."""
    one_in, two_in, one_out = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def one():
        with _help_format._long_words_whole():
            one_in.set()
            two_in.wait()
            first_inside()
        one_out.set()

    def two():
        one_in.wait()
        with _help_format._long_words_whole():
            two_in.set()
            one_out.wait()
            second_inside()

    def caught(target):
        def run():
            try:
                target()
            except BaseException as error:  # told in the main thread
                errors.append(error)
                one_in.set(), two_in.set(), one_out.set()
        return run

    threads = [threading.Thread(target=caught(target)) for target in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_help_formatted_in_two_threads_at_once_leaves_clicks_wrapper_in_place():
    clicks = _textwrap.TextWrapper
    _in_two_threads(lambda: None, lambda: None)
    assert _textwrap.TextWrapper is clicks
    # the oracle: Python's textwrap, which click's wrapping follows (long words cut, lines broken at hyphens)
    assert click.wrap_text(TEXT, WIDTH) == textwrap.fill(TEXT, WIDTH)


def test_a_thread_formatting_no_unbroken_help_meanwhile_wraps_as_click_does():
    wrapped = {}
    unbroken = "x\n" + "a" * 30 + "\nwell-known"  # a word wider than the line whole; no break after its hyphen
    _in_two_threads(lambda: wrapped.setdefault("inside", click.wrap_text(TEXT, WIDTH)), lambda: None)
    plain = []
    with _help_format._long_words_whole():
        thread = threading.Thread(target=lambda: plain.append(click.wrap_text(TEXT, WIDTH)))
        thread.start()
        thread.join()
        with _help_format._long_words_whole():  # nested in one thread: unbroken still once the inner block ends
            pass
        assert click.wrap_text(TEXT, WIDTH) == unbroken
    assert wrapped["inside"] == unbroken
    assert plain == [textwrap.fill(TEXT, WIDTH)]
