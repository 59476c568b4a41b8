"""Warm start (issue 22): ``lanyan serve`` builds the response network at start, so the first
119 recommendation does not; a region without roads (or an empty database) does not stop it."""

from __future__ import annotations

from typing import Any

from lanyan.app import create_app
from lanyan.response.routes.incidents import provider_of, warm_network

import response_world


def test_the_network_is_built_before_the_first_request_and_then_reused(
    settings: Any, uow: Any, sessions: Any
) -> None:
    app = create_app(settings)
    assert warm_network(app.state) is False  # no roads yet: nothing built, nothing raised
    response_world.build(uow)
    assert warm_network(app.state) is True
    provider, _cards = provider_of(app.state)
    built = provider._net
    assert built is not None
    with sessions() as s:
        assert provider.network(s) is built  # the first request finds it ready
