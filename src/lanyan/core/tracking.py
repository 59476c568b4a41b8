"""Tracking numbers (查询码) of what the public sends through the portal, and the one rule that
answers a status lookup: the number *and* the last four digits of the sender's phone, compared
in constant time, with the same answer for a wrong number and a wrong phone.

The same shape as the complaints' numbers (:mod:`lanyan.prevention.complaints`): the local day
and ten characters from an alphabet without look-alikes (0/O, 1/I/L), drawn by ``secrets``."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import date

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
NOT_FOUND = (
    "nothing matches this tracking number and phone; check both and try again "
    "(a submission appears here as soon as it is sent)"
)


def new_number(day: date) -> str:
    tail = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{day:%Y%m%d}-{tail}"


def normalise(text: str) -> str:
    """What someone typed, as stored: upper case, without spaces; the dash put back."""
    compact = re.sub(r"[\s-]", "", text).upper()
    return f"{compact[:8]}-{compact[8:]}" if len(compact) > 8 else compact


def phone_matches(phone: str | None, last4: str) -> bool:
    """Whether ``phone`` (None: no record matched) ends in ``last4``, in constant time; the
    comparison runs even when no record matched, so both misses cost the same."""
    tail = (phone or "----")[-4:].encode()
    return hmac.compare_digest(tail, last4.encode()) and phone is not None


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``."""
    if len(phone) >= 7:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return f"{'*' * max(0, len(phone) - 2)}{phone[-2:]}" if phone else ""
