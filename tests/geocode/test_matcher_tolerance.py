"""The matcher's tolerances for the misses of bench/geocode.py: each test is a query that the
matcher missed before its rule and finds with it, on a small generated city."""

from __future__ import annotations

import itertools

from lanyan.geocode.matcher import (
    HEAD_MIN_NAMES,
    VIA_ADDRESS,
    Index,
    Kind,
    Place,
    sounds,
    split_names,
    syllables,
)

DIVISIONS = ["江苏省", "盐城市", "大丰区"]
# characters that share no syllable with the test's names
FILLER = "春秋天地龙凤锦绣万通嘉禾信诚德润松柏梅兰菊桂星月辰宇博文"


def unit(label: str, k: int, address: str = "") -> Place:
    return Place(Kind.UNIT, label, 120.3 + k * 1e-4, 33.1, names=(address,) if address else ())


def first(index: Index, q: str) -> str:
    hits = index.search(q).hits
    assert hits, f"no hit for {q}"
    return hits[0].label


def test_a_name_without_its_place_word() -> None:
    # 大中 begins many names: a place word; 进三文物流有限公司 is 大中进三文物流有限公司 without
    # it, not 进文物流有限公司 with a character too many
    pairs = ["".join(p) for p in itertools.permutations(FILLER, 2)][: HEAD_MIN_NAMES + 5]
    places = [unit(f"大中{p}医院", k) for k, p in enumerate(pairs)]
    places += [unit("进文物流有限公司", 900), unit("大中进三文物流有限公司", 901)]
    index = Index(places, DIVISIONS)
    assert first(index, "盐城市进三文物流有限公司") == "大中进三文物流有限公司"
    assert first(index, "进文物流有限公司") == "进文物流有限公司"  # the full name still first


def test_a_rare_word_is_no_place_word() -> None:
    places = [unit("大中进三文物流有限公司", 1), unit("进文物流有限公司", 2)]
    index = Index(places, DIVISIONS)
    # with one name beginning 大中, the character too many is the closer reading
    assert first(index, "进三文物流有限公司") == "进文物流有限公司"


def test_near_letters_are_not_a_homophone() -> None:
    # 州 typed for 饭: one character off 凤红饭店; 凤洪酒店 is two off, and zhou is not jiu
    # although their pinyin letters are close
    index = Index([unit("凤洪酒店", 1), unit("凤红饭店", 2)], DIVISIONS)
    assert first(index, "凤红州店") == "凤红饭店"


def test_fuzzy_sounds_of_input_methods() -> None:
    assert sounds("幸") == sounds("新") and syllables("幸") != syllables("新")
    assert sounds("张") == sounds("脏") and sounds("南") == sounds("兰")
    # the exact homophone above the fuzzy one
    index = Index([unit("星海超市", 1), unit("新海超市", 2)], DIVISIONS)
    assert first(index, "心海超市") == "新海超市"


def test_a_replaced_character_keeps_the_pairs_that_skip_it() -> None:
    # 200 服装厂 share only the common pairs with 金三服装厂; 金宏服装厂 (one character off)
    # shares 金·服 too, and is found among them
    pairs = ["".join(p) for p in itertools.permutations(FILLER, 2)][:200]
    places = [unit(f"{p}服装厂", k) for k, p in enumerate(pairs)]
    places.append(unit("金宏服装厂", 999))
    index = Index(places, DIVISIONS)
    assert first(index, "金三服装厂") == "金宏服装厂"


def test_a_road_typo_reaches_the_road_that_has_the_number() -> None:
    # 150 roads one character off 水幸路 have numbers 1–3; only 友幸路 has 173
    others = [chr(c) for c in range(0x4E00, 0x5000)]
    others = [c for c in others if syllables(c)[0] not in ("shui", "you", "xing", "lu")][:150]
    places = []
    for k, c in enumerate(others):
        for n in range(1, 4):
            places.append(Place(Kind.ADDRESS, f"{c}幸路{n}号", 120.3 + k * 1e-3, 33.1))
    places.append(Place(Kind.ADDRESS, "友幸路173号", 120.5, 33.2))
    index = Index(places, DIVISIONS)
    hits = index.search("水幸路173号").hits
    assert hits[0].label == "友幸路173号" and "house number 173" in hits[0].why


def test_a_unit_found_by_its_address_ranks_below_the_house_number() -> None:
    places = [
        Place(Kind.ADDRESS, "健康路155号", 120.5, 33.2),
        unit("恒泰纺织有限公司", 1, "健康路155号"),
    ]
    hits = Index(places, DIVISIONS).search("健康路155号").hits
    assert [h.label for h in hits[:2]] == ["健康路155号", "恒泰纺织有限公司"]
    assert hits[1].confidence <= VIA_ADDRESS * hits[0].confidence


def test_a_field_of_names_is_split() -> None:
    assert split_names(" 金港百货大楼、原金港商厦;大丰商场，老百货 ") == [
        "金港百货大楼",
        "原金港商厦",
        "大丰商场",
        "老百货",
    ]
    assert split_names("") == []


def test_a_division_name_before_a_name_that_begins_with_he() -> None:
    # 大丰 is stripped from 大丰和瑞三科技有限公司 like from any name; 和 is not "and" here
    index = Index([unit("大丰和瑞三科技有限公司", 1), unit("禾瑞科技有限公司", 2)], DIVISIONS)
    assert first(index, "和繠三科技有限公司") == "大丰和瑞三科技有限公司"  # 繠 for 瑞
    assert index.strip_prefix("大丰和瑞三科技有限公司") == "和瑞三科技有限公司"
    assert index.strip_prefix("大丰路") == "大丰路"


def test_fewer_edits_break_a_tie() -> None:
    # 松祥中 is one replacement from 松祥绣 and two from 松中川; Indel scores both 0.8
    index = Index([unit("松中川宾馆", 1), unit("松祥绣宾馆", 2)], DIVISIONS)
    assert first(index, "松祥中宾馆") == "松祥绣宾馆"


def test_a_known_road_without_the_number_offers_the_road_one_slip_away() -> None:
    places = [Place(Kind.ADDRESS, f"方丰路{n}号", 120.3, 33.1 + n * 1e-4) for n in range(1, 162)]
    places.append(Place(Kind.ADDRESS, "幸丰路207号", 120.5, 33.2))
    labels = [h.label for h in Index(places, DIVISIONS).search("方丰路207号").hits[:5]]
    assert "幸丰路207号" in labels and "方丰路161号" in labels


def _far_and_near_twins() -> tuple[Index, Place, Place]:
    """Two 宏源医院 the text cannot tell apart, 11 km apart."""
    west = Place(Kind.UNIT, "宏源医院", 120.30, 33.10, code="W")
    east = Place(Kind.UNIT, "盐城宏源医院", 120.42, 33.10, code="E")
    return Index([west, east], DIVISIONS), west, east


def test_the_callers_context_orders_names_the_text_leaves_equal() -> None:
    index, west, east = _far_and_near_twins()
    # the place word 盐城 is left out: both read the same
    assert {h.code for h in index.search("宏源医院").hits} == {"W", "E"}
    near_east = index.search("盐城宏源医院", near=(east.lon - 0.01, east.lat))
    assert near_east.hits[0].code == "E"
    near_west = index.search("宏缘医院", near=(west.lon + 0.005, west.lat))  # a homophone typo
    assert near_west.hits[0].code == "W"
    near_east = index.search("宏缘医院", near=(east.lon + 0.005, east.lat))
    assert near_east.hits[0].code == "E"
    # without the context the label decides the tie: the west one first
    assert index.search("宏缘医院").hits[0].code == "W"
    # the confidence shown is the text's alone, and a tie is never picked for the dispatcher
    text_only = {h.code: h.confidence for h in index.search("宏缘医院").hits}
    assert near_east.hits[0].confidence == text_only["E"]
    assert near_east.ambiguous and near_east.picked is None


def test_the_context_never_beats_a_clearly_better_typed_name() -> None:
    near = Place(Kind.UNIT, "宏光超市", 120.30, 33.10, code="NEAR")  # one character off
    far = Place(Kind.UNIT, "宏源超市", 120.60, 33.30, code="FAR")  # typed exactly, 36 km away
    index = Index([near, far], DIVISIONS)
    answer = index.search("宏源超市", near=(near.lon, near.lat))
    assert [h.code for h in answer.hits][:2] == ["FAR", "NEAR"]
    assert answer.picked is not None and answer.picked.code == "FAR"


def test_a_homophone_next_to_the_caller_beats_the_same_sound_far_away() -> None:
    # over the telephone 宏缘 and 宏源 are the same words: where the caller is decides
    near = Place(Kind.UNIT, "宏缘超市", 120.30, 33.10, code="NEAR")
    far = Place(Kind.UNIT, "宏源超市", 120.60, 33.30, code="FAR")
    index = Index([near, far], DIVISIONS)
    assert index.search("宏源超市").hits[0].code == "FAR"
    answer = index.search("宏源超市", near=(near.lon + 0.002, near.lat))
    assert answer.hits[0].code == "NEAR"
    assert answer.picked is None and answer.ambiguous  # offered first, never picked
