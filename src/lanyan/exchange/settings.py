"""The relay's policy from the deployment's settings."""

from __future__ import annotations

from lanyan.core.config import Settings
from lanyan.exchange.service import RelayPolicy


def webhook_policy(settings: Settings) -> RelayPolicy:
    return RelayPolicy(
        max_attempts=settings.webhook_max_attempts,
        backoff_s=settings.webhook_backoff_s,
        timeout_s=settings.webhook_timeout_s,
    )
