"""The geocoder's matcher, one test per tolerance, on a small hand-made city."""

from __future__ import annotations

import pytest

from lanyan.geocode.matcher import AUTO_PICK, Index, Kind, Place, normalize, parse_house_number

DIVISIONS = ["江苏省", "盐城市", "大丰区"]


@pytest.fixture(scope="module")
def index() -> Index:
    places = [
        Place(Kind.DIVISION, "大丰区", 120.46, 33.20),
        Place(Kind.ADDRESS, "永泰路155号", 120.50, 33.21),
        Place(Kind.ADDRESS, "永泰路157号", 120.501, 33.21),
        Place(Kind.ADDRESS, "永泰路9号", 120.49, 33.21),
        Place(Kind.ADDRESS, "健康路155号", 120.52, 33.19),
        Place(Kind.ROAD, "永泰路", 120.50, 33.21),
        Place(Kind.ROAD, "健康路", 120.52, 33.19),
        Place(Kind.UNIT, "大丰宏源医院", 120.48, 33.22, code="91320982MA1XYZ0001"),
        Place(Kind.UNIT, "大丰宏远超市", 120.48, 33.23, code="91320982MA1XYZ0002"),
        Place(Kind.UNIT, "恒泰纺织有限公司", 120.47, 33.24, names=("健康路155号",)),
        Place(Kind.BUILDING, "金港大厦", 120.45, 33.25, code="B-JG"),
        Place(Kind.STATION, "大丰消防救援站", 120.44, 33.26),
        Place(Kind.HYDRANT, "永泰路市政消火栓", 120.501, 33.211, code="H-9"),
        Place(Kind.POI, "人民广场", 120.43, 33.27, names=("市民广场",)),
        Place(Kind.POI, "人民公园", 120.42, 33.28),
    ]
    idx = Index(places, DIVISIONS)
    idx.add_junction("永泰路", "健康路", 120.51, 33.20)
    return idx


def top(index: Index, q: str) -> tuple[str, str, float, str]:
    hits = index.search(q).hits
    assert hits, f"no hit for {q}"
    return hits[0].kind.value, hits[0].label, hits[0].confidence, hits[0].why


def test_normalize_folds_full_width_and_punctuation() -> None:
    assert normalize("永泰路　１５５號，") == "永泰路155号"
    assert parse_house_number("永泰路155号3栋") is not None


@pytest.mark.parametrize(
    "q",
    [
        "永泰路155号",
        "永泰路１５５号",
        "永泰路155號",
        "永泰路155号楼",
        "永泰路155号3幢",
        "永泰路155",
    ],
)
def test_house_number_variants(index: Index, q: str) -> None:
    kind, label, conf, why = top(index, q)
    assert (kind, label) == ("address", "永泰路155号")
    assert conf >= AUTO_PICK and "house number 155" in why


@pytest.mark.parametrize(
    "q", ["江苏省盐城市大丰区永泰路155号", "盐城市永泰路155号", "大丰宏源医院"]
)
def test_prefixes_are_optional(index: Index, q: str) -> None:
    assert top(index, q)[1] in ("永泰路155号", "大丰宏源医院")


def test_missing_city_word_still_finds_the_unit(index: Index) -> None:
    assert top(index, "宏源医院")[1] == "大丰宏源医院"


def test_homophone_typo(index: Index) -> None:
    _kind, label, _, why = top(index, "宏原医院")  # 宏原 typed for 宏源
    assert label == "大丰宏源医院" and "sounds like" in why
    assert top(index, "永太路155号")[1] == "永泰路155号"  # 永太 for 永泰, on the road


def test_character_typo(index: Index) -> None:
    assert top(index, "金港大夏")[1] == "金港大厦"


def test_pinyin_initials(index: Index) -> None:
    _kind, label, _, why = top(index, "rmgc")
    assert label == "人民广场" and why == "pinyin initials"


def test_alias_and_code(index: Index) -> None:
    assert top(index, "市民广场")[1:2] == ("人民广场",)
    _kind, label, conf, why = top(index, "91320982MA1XYZ0002")
    assert (label, conf, why) == ("大丰宏远超市", 1.0, "code")


def test_junction(index: Index) -> None:
    kind, label, _, _ = top(index, "永泰路与健康路交叉口")
    assert (kind, label) == ("junction", "永泰路与健康路交叉口")
    assert top(index, "健康路和永泰路路口")[0] == "junction"


def test_stations_and_hydrants(index: Index) -> None:
    assert top(index, "大丰消防救援站")[0] == "station"
    assert top(index, "H-9")[0] == "hydrant"


def test_unknown_number_offers_the_nearest_on_the_road(index: Index) -> None:
    answer = index.search("永泰路156号")
    assert answer.picked is None
    assert "nearest is 155" in answer.hits[0].why or "nearest is 157" in answer.hits[0].why


def test_nothing_matches_offers_the_nearest_road(index: Index) -> None:
    answer = index.search("永秦路900号")  # no such road: 永秦 is close to 永泰 only by letters
    assert answer.hits == [] or answer.hits[0].confidence < AUTO_PICK
    answer = index.search("青松路8号")
    assert answer.hits == [] and answer.picked is None
    assert answer.message == "no place matches"
    assert answer.nearest is not None and answer.nearest.kind is Kind.ROAD
    assert "nearest road by name" in answer.nearest.why


def test_ambiguous_hits_are_listed_not_picked(index: Index) -> None:
    answer = index.search("人民")
    assert answer.picked is None and answer.ambiguous
    assert {"人民广场", "人民公园"} <= {h.label for h in answer.hits}


def test_a_clear_hit_is_picked(index: Index) -> None:
    answer = index.search("永泰路155号")
    assert answer.picked is not None and answer.picked.label == "永泰路155号"
    assert answer.total >= 1
