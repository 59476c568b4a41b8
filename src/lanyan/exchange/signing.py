"""Webhook signatures: HMAC-SHA256 over ``timestamp "." body`` with the subscription's secret.

Headers sent: ``X-Lanyan-Event`` (type), ``X-Lanyan-Delivery`` (id), ``X-Lanyan-Timestamp``
(Unix seconds) and ``X-Lanyan-Signature: sha256=<hex>``. A receiver recomputes the HMAC and
refuses a timestamp older than its tolerance (5 minutes by default), so a captured request
cannot be replayed later; :func:`verify` does both."""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """Whether ``signature`` is ours for ``body`` at ``timestamp`` and that is recent enough."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
