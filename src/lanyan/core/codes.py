"""Identity codes: 统一社会信用代码 (GB 32100-2015) and administrative division codes (GB/T 2260)."""

from __future__ import annotations

import re

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError

_USCC_CHARSET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
_DIVISION = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


def check_uscc(value: str) -> str:
    """Return the normalised 18-character code, or raise ValueError saying which rule failed."""
    code = value.strip().upper()
    if len(code) != 18:
        raise ValueError("统一社会信用代码 must be 18 characters (GB 32100-2015)")
    if any(ch not in _USCC_CHARSET for ch in code):
        raise ValueError(
            "统一社会信用代码 may use digits and capital letters except I, O, S, V, Z (GB 32100-2015)"
        )
    expected = _uscc.calc_check_digit(code[:-1])
    if code[-1] != expected:
        raise ValueError(f"统一社会信用代码 check digit must be {expected} (GB 32100-2015)")
    try:
        return _uscc.validate(code)
    except _StdnumError as exc:
        raise ValueError(f"统一社会信用代码 is not valid: {exc} (GB 32100-2015)") from exc


def uscc_with_check_digit(first17: str) -> str:
    """Append the GB 32100-2015 check digit to a 17-character stem."""
    return first17 + _uscc.calc_check_digit(first17)


def division_level(code: str) -> str:
    """Level implied by a division code: province, city, county (6 digits), town (9), village (12)."""
    if not _DIVISION.match(code):
        raise ValueError("division code must be 6, 9 or 12 digits (GB/T 2260, GB/T 10114)")
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "town"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def division_parent_prefix(code: str) -> str:
    """The significant prefix a child's code must start with (e.g. ``3209`` for 320900)."""
    level = division_level(code)
    return {"province": code[:2], "city": code[:4]}.get(level, code)
