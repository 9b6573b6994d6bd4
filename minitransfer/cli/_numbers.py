"""The types of the numeric options, one spelling for every command: a whole number (:class:`Whole`) is written
in ASCII digits, signed or not, spaces around it allowed ("5", "+5", " 5 ", "-0"); a real number (:class:`Real`)
in ASCII digits with a point or an exponent ("0.001", "1e-3", ".5"). Python's int() and float() read more:
"1_000" (int("1_0") is 10), "５" (a full-width digit), and int options took them while the seeds, --layers and
experiment's --per-class refused them; "1e3" and "5.0" were "not a valid integer range", words naming no
whole number. Each is refused naming the typed text and, where it means one exactly, the digits to write.

A rate of the solver is also checked against float32, in which training computes: "nan", "inf" and "1e309"
(read as inf, echoed "inf") were taken by --weight-decay, "1e-320" (a subnormal) by --weight-decay, --momentum
and --gamma, where float32 makes it 0 (a decay or momentum that does nothing, a rate stepped to 0)."""

import decimal
import math
import re
import sys

import click

from minitransfer.optim import number_fault

_WHOLE = re.compile(r"\s*[-+]?[0-9]+\s*")
_NUMBER = re.compile(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*")
_NOT_FINITE = re.compile(r"\s*[-+]?(inf|infinity|nan)\s*", re.IGNORECASE)
_MOST_DIGITS = 308  # a whole number said in digits is at most float's largest ("1e400": none said)


def _exactly(text):
    """The whole number ``text`` means exactly in another spelling than digits ("1e3", "5.0", "1_000", "５",
    "0x10"), or None."""
    try:
        return int(text.strip(), 0)
    except ValueError:
        pass
    try:  # exactly as written: float("1e23") is 99999999999999991611392
        number = decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        return None
    if not number.is_finite() or number.adjusted() > _MOST_DIGITS or number != number.to_integral_value():
        return None
    return int(number)


def _write_hint(text):
    """" (write 1000)" where ``text`` means a whole number exactly in another spelling (:func:`_exactly`), else ""."""
    meant = _exactly(text)
    return f" (write {meant})" if meant is not None else ""


def in_digits(text):
    """Whether ``text`` is a whole number as :class:`Whole` reads one: ASCII digits, signed or not, spaces around
    (experiment's --per-class reads each of its counts so)."""
    return _WHOLE.fullmatch(text) is not None


class Whole(click.IntRange):
    """A whole number written in ASCII digits, within ``min``..``max`` (no bound where None)."""

    def _describe_range(self):  # unbounded (train --n, checked once the preset is known): no range in the help
        return "" if self.min is None and self.max is None else super()._describe_range()

    def within(self):
        """The range in words: "in 1..7", "1 or more", "" (unbounded)."""
        if self.min is not None and self.max is not None:
            return f"in {self.min}..{self.max}"
        if self.min is not None:
            return f"{self.min} or more"
        return "" if self.max is None else f"{self.max} or less"

    def not_whole(self, value, param):
        """The words refusing ``value``, which is not written in digits."""
        give = f": give one {self.within()}" if self.within() else ""
        return f"{value!r} is not a whole number in digits 0-9{_write_hint(value)}{give}"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not in_digits(value):
            self.fail(self.not_whole(value, param), param, ctx)
        return super().convert(value, param, ctx)


class Real(click.FloatRange):
    """A finite real number written in ASCII digits (a point or an exponent allowed), in the range click's
    FloatRange takes; ``float32``: a rate of the solver, which computes in float32, so a value that is 0 or inf
    there (below its smallest normal number, above its largest) is refused too, in the solver's words: both
    ask :func:`minitransfer.optim.number_fault`, :class:`minitransfer.optim.Solver` for a library caller or a
    configuration read back. -0 is taken as 0 (recorded so)."""

    def __init__(self, *args, float32=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.float32 = float32

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            self._check_typed(value, param, ctx)
        return super().convert(value, param, ctx) + 0.0

    def _check_typed(self, value, param, ctx):
        """Refuse ``value`` (the text typed) where it is no number in digits, or none training computes with."""
        digits, words = _NUMBER.fullmatch(value), _NOT_FINITE.fullmatch(value)
        if not digits and not words:
            self.fail(f"{value!r} is not a number written in digits 0-9{_write_hint(value)}", param, ctx)
        name = max(param.opts, key=len) if param is not None else "the value"
        number = float(value)
        if number == 0 and digits and re.search("[1-9]", digits.group(1)):
            number = math.ulp(0.0)  # "1e-400" reads as 0 but is not 0: below float32's normal numbers, as 1e-320 is
        read = "" if math.isfinite(number) or words else \
            f", which is beyond the largest float ({sys.float_info.max:.4g}) and reads as {number}"
        fault = number_fault(name, number, got=f"{value!r}{read}", zero=self.min == 0 and not self.min_open,
                             float32=self.float32)
        if fault is not None:
            raise click.UsageError(fault, ctx)
