"""``Page[T]``: the one model of a paged list, named after its items in the OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from lanyan.api.paging import Page


class ThingPublic(BaseModel):
    code: str


def test_page_of_a_model_is_named_after_it_and_made_once() -> None:
    model = Page[ThingPublic]
    assert model.__name__ == "ThingPage"
    assert Page[ThingPublic] is model
    assert model.model_json_schema()["title"] == "ThingPage"


def test_page_keeps_the_json_shape_of_the_lists() -> None:
    page = Page[ThingPublic](items=[ThingPublic(code="A")], total=3, page=1, size=1)
    assert page.model_dump(mode="json") == {
        "items": [{"code": "A"}],
        "total": 3,
        "page": 1,
        "size": 1,
    }


def test_every_list_schema_in_the_api_is_a_named_page(client: Any) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    pages = sorted(name for name in schemas if "Page" in name)
    assert not [name for name in pages if name.startswith("Page")], pages
    for name in ("HazardPage", "IncidentPage", "ItemPage", "AlarmPage", "UnitPage"):
        assert set(schemas[name]["required"]) == {"items", "total", "page", "size"}
