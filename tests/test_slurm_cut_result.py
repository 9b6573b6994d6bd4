"""submit.sh's bash check ``written`` (minitransfer.slurm_finished.finished_lines) and a finished run's
result.json cut short at its end, where every key is already there: it reads as finished exactly where
report's reader (result_checks.read_result, which grid_status asks) reads it. Before, a result.json cut by
its last ``}`` (and the blanks before it) was ``{...}`` naming every key, and counted finished: submit.sh
neither submitted the run (its train writing the result again) nor said it lost, unlike a local grid."""

import json
import subprocess

import pytest
from fake_results import finished_result

from minitransfer.run_file_readers import UnreadableRun
from minitransfer.result_checks import read_result
from minitransfer.result_digests import RESULT_SHA256, result_sha256
from minitransfer.slurm_finished import finished_lines


def bash_written(paths):
    """Whether submit.sh's ``written`` takes each of ``paths`` as a whole result.json, in one bash."""
    script = "\n".join([*finished_lines(), 'for path in "$@"; do if written "$path"; then echo yes; else echo no; fi;'
                        " done"])
    done = subprocess.run(["bash", "-c", script, "bash", *map(str, paths)], capture_output=True, text=True,
                          check=True)
    assert done.stderr == ""
    return [said == "yes" for said in done.stdout.split()]


def readable(path):
    try:
        read_result(path)
    except UnreadableRun:
        return False
    return True


def texts():
    """A finished result.json as train writes it (indent 2, a line break at its end), compact, and one whose
    paths hold braces, brackets, quotes and backslashes (strings a check by its brackets alone would misread)."""
    record = finished_result()
    odd = dict(record, out='a{b}[c"\\d}.h5', run_dir='}\\"{"', seconds=1.5)
    odd[RESULT_SHA256] = result_sha256(odd)  # its digest of itself, as train writes it
    return {"as train writes it": json.dumps(record, indent=2) + "\n", "compact": json.dumps(record),
            "odd paths": json.dumps(odd, indent=2) + "\n"}


@pytest.mark.parametrize("kind", list(texts()))
def test_a_result_cut_at_its_end_is_not_finished_as_report_cannot_read_it(tmp_path, kind):
    text = texts()[kind]
    last = text.rindex("}")
    cuts = {"whole": text, "its last brace cut": text[:last], "the blanks and last brace cut": text[:last].rstrip(),
            "its last line cut": text[:text.rstrip().rindex("\n") + 1] if "\n" in text.rstrip() else text[:-1]}
    cuts.update({f"{len(text) - size} bytes short": text[:size] for size in range(len(text) - 80, len(text))})
    paths = []
    for number, cut in enumerate(cuts.values()):
        paths.append(tmp_path / f"{number}.json")
        paths[-1].write_text(cut)
    said = dict(zip(cuts, bash_written(paths)))
    assert said["whole"] and not said["its last brace cut"] and not said["the blanks and last brace cut"]
    assert not said["its last line cut"]
    assert said == {name: readable(path) for name, path in zip(cuts, paths)}
