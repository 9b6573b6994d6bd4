"""The tests' own waiting (tests/waiting.py): a wait sees its event however the process it watches ends."""

import subprocess
import sys

import waiting


def test_an_event_made_just_before_the_process_ended_is_seen_not_taken_for_the_end():
    """The process made the event, then ended, between the wait's look at the event and its look at the
    process: the wait failed with "never, the process ended" (here the event is seen at the second look)."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    looks = []

    def event_made_after_the_first_look():
        looks.append(1)
        return len(looks) > 1

    waiting.until_while_running(event_made_after_the_first_look, process, "the event")
