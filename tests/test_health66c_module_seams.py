"""Code health: findings.py was split along its seam: the verdicts as functions of the figures they judge, and their
thresholds, moved to findings_verdicts.py. The names other modules and tests take from findings stay there, as the
very objects findings_verdicts defines, and findings' ``__all__`` lists each of its own public names besides."""

import pytest

from minitransfer import findings, findings_coadaptation, findings_verdicts, run_caveats
from test_review_59_refactors import _defined_public_names

MOVED = ["CLOSE", "RESOLVED", "ROUNDING", "boost_errors", "_general_side", "_specific_side", "_boost_side",
         "_loses_side"]


@pytest.mark.parametrize("name", MOVED)
def test_a_moved_name_is_still_findings_own_as_the_verdicts_module_defines_it(name):
    assert getattr(findings, name) is getattr(findings_verdicts, name)
    if not name.startswith("_"):
        assert name in findings.__all__  # said as a name of the module, not an import pyflakes would call unused


def test_findings_lists_every_public_name_it_defines():
    public = _defined_public_names(findings)
    assert set(findings.__all__) == public | {"CLOSE", "RESOLVED", "ROUNDING", "boost_errors"}


def test_the_thresholds_are_one_set_of_objects_wherever_they_are_read():
    assert run_caveats.CLOSE is findings_verdicts.CLOSE and run_caveats.ROUNDING is findings_verdicts.ROUNDING
    assert findings_coadaptation.verdicts is findings_verdicts
    assert (findings_verdicts.CLOSE, findings_verdicts.RESOLVED, findings_verdicts.ROUNDING) == (2.0, 2.0, 1e-9)
