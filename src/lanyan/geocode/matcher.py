"""The geocoder's matcher (地址匹配): pure, over plain values, no database.

An :class:`Index` holds every place a dispatcher may name — buildings, units, house-number
addresses (门牌), roads and their junctions, divisions, stations, hydrants, landmarks — and
answers a free-text query with ranked :class:`Hit`s, each with its point, a confidence in 0..1
and why it matched.

Tolerances, each with its mechanism:

* full-width digits and letters (１５５号): NFKC folding in :func:`normalize`;
* missing or extra province/city/county prefixes (江苏省盐城市…): the known division names are
  stripped from the start of both the query and every indexed name (:meth:`Index.strip_prefix`);
* 号 / 號 / 号楼 / 栋 / 幢 / 座 variants: :func:`parse_house_number` reads a road, a number
  and an optional building number whatever the suffix;
* typos: candidates come from an inverted index of *pinyin* bigrams, gapped too (a homophone
  typed through a pinyin input method, 宏原 for 宏源, keeps every bigram; a replaced or
  dropped character keeps the pairs that skip it), ranked by rapidfuzz ratios on the
  characters and on the syllables — a syllable matches only a syllable that sounds the same
  (HEARD), or a little lower one that does up to the fuzzy sounds of pinyin input methods
  (模糊音: z/zh, c/ch, s/sh, l/n, an/ang, en/eng, in/ing; FUZZY_HEARD), so 锦 is heard in 金
  but not in 鑫;
* a name's leading place word left out (宏源医院 for 大中宏源医院): a two-character word that
  begins many of the indexed names is a place word (the registry's names are 行政区划 + 字号 +
  行业), and such a name is indexed without it too, a little below the full name;
* pinyin initials (hyyy for 宏源医院): a sorted table of every name's initials, prefix-matched.

Libraries: ``rapidfuzz`` (string similarity), ``pypinyin`` (characters to pinyin).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein


class Kind(StrEnum):
    """What a hit is."""

    BUILDING = "building"
    UNIT = "unit"
    ADDRESS = "address"
    ROAD = "road"
    JUNCTION = "junction"
    DIVISION = "division"
    STATION = "station"
    HYDRANT = "hydrant"
    POI = "poi"


# the kinds whose names may begin with a place word (not roads, divisions or house numbers)
_HEADED = frozenset({Kind.BUILDING, Kind.UNIT, Kind.STATION, Kind.POI})

# A hit at or above this confidence, clear of the runner-up by AMBIGUITY_MARGIN, may be picked
# for the dispatcher; below it the hits are listed and a person chooses.
AUTO_PICK = 0.85
AMBIGUITY_MARGIN = 0.05
FLOOR = 0.5  # a weaker hit is not listed
# The caller's context (where the call comes from: the location the phone network gives with a
# 119 call, or the dispatcher's town-sized map view) orders names the text rates alike. A hit at
# distance d from it ranks by confidence + NEAR_WEIGHT · exp(−d / NEAR_SCALE_M): a place at the
# caller's point gains 0.1, one 2 km off 0.037, one 10 km off 0.0007. So a place nearby outranks
# a far one only if their texts differ by less than 0.1 — about one character of a four-character
# name heard alike or typed one off (a homophone, HEARD, is 0.03 below the same characters: over
# the telephone the two are the same words, and where the caller is decides). A name typed right
# far away still beats one two characters off next door. The confidence shown is the text's
# alone, and the auto-pick is judged on it (the context never picks for the dispatcher). Both
# values are the platform's choice, tuned on bench/geocode.py (a caller's point with a 1 km
# error), not a standard's.
NEAR_WEIGHT = 0.1
NEAR_SCALE_M = 2_000.0
_M_PER_DEG = 111_320.0

_PUNCT = re.compile(r"[\s,，.。、;；:：()（）\[\]【】\"'“”‘’·\-—_/\\#＃]+")
_ROAD_SUFFIX = "大道|大街|路|街|道|巷|弄|胡同|里|线|公路"
# road, number, optional building (楼栋) number: 永泰路155号, 永泰路155號3栋, 永泰路155-3号楼
_HOUSE = re.compile(
    rf"^(?P<road>.+?(?:{_ROAD_SUFFIX}))(?P<no>\d+)(?:号|號)?"
    rf"(?:(?:之|-)?(?P<sub>\d+)(?:号楼|號樓|号|號|栋|棟|幢|座|楼|樓))?"
)
_JUNCTION = re.compile(
    rf"^(?P<a>.+?(?:{_ROAD_SUFFIX}))(?:与|和|跟|同|及|&|x|×)"
    rf"(?P<b>.+?(?:{_ROAD_SUFFIX}))(?:交叉口|交叉路口|交口|路口|十字路口|交汇处|口)?$"
)
# 和 begins names (和平, 和瑞): only 与 is taken for "and" after a division name
_BARE = re.compile(rf"^(?:{_ROAD_SUFFIX}|\d|号|与)")
_INITIALS = re.compile(r"^[a-z]{2,}$")
_DIVISION_SUFFIX = re.compile(
    r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|省|市|区|县|旗|盟)$"
)


_NAME_SEPARATORS = re.compile(r"[、;；,，\n]+")


def split_names(text: str) -> list[str]:
    """The names of a list written in one field (a unit's 别名、曾用名): separated by 、 ; or a
    comma, blanks dropped."""
    return [n.strip() for n in _NAME_SEPARATORS.split(text or "") if n.strip()]


def normalize(text: str) -> str:
    """Full-width folded (NFKC), lower case, without spaces and punctuation; 號/樓 simplified."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = folded.replace("號", "号").replace("樓", "楼").replace("棟", "栋")
    return _PUNCT.sub("", folded)


@dataclass(frozen=True)
class HouseNumber:
    road: str
    number: int
    building: int | None


def parse_house_number(text: str) -> HouseNumber | None:
    """Road + number (+ building number) read from normalized text, or None."""
    m = _HOUSE.match(text)
    if m is None:
        return None
    sub = m.group("sub")
    return HouseNumber(m.group("road"), int(m.group("no")), int(sub) if sub else None)


def parse_junction(text: str) -> tuple[str, str] | None:
    """The two road names of "A路与B路交叉口" (normalized text), or None."""
    m = _JUNCTION.match(text)
    return (m.group("a"), m.group("b")) if m else None


@lru_cache(maxsize=65536)
def _syllable(ch: str) -> str:
    if "\u4e00" <= ch <= "\u9fff":
        return lazy_pinyin(ch, style=Style.NORMAL)[0]
    return ch


def syllables(text: str) -> tuple[str, ...]:
    """One token per character: its toneless pinyin for a hanzi, else the character."""
    return tuple(_syllable(c) for c in text)


_FUZZY_INITIAL = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINAL = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=65536)
def _fuzzy(syllable: str) -> str:
    for a, b in _FUZZY_INITIAL:
        if syllable.startswith(a) and len(syllable) > len(a):
            syllable = b + syllable[len(a) :]
            break
    for a, b in _FUZZY_FINAL:
        if syllable.endswith(a):
            return syllable[: -len(a)] + b
    return syllable


def sounds(text: str) -> tuple[str, ...]:
    """:func:`syllables` folded by the fuzzy sounds of pinyin input methods (模糊音):
    z/zh, c/ch, s/sh, l/n, an/ang, en/eng, in/ing — 幸 and 新 both sound ``xin``."""
    return tuple(_fuzzy(s) for s in syllables(text))


_CODES: dict[str, str] = {}


def _coded(toks: tuple[str, ...]) -> str:
    """Syllables as a string of one private-use character each (rapidfuzz compares strings
    much faster than tuples; equal syllables, equal characters)."""
    out = []
    for t in toks:
        code = _CODES.get(t)
        if code is None:
            code = _CODES.setdefault(t, chr(0xF0000 + len(_CODES)))
        out.append(code)
    return "".join(out)


def _said(text: str) -> str:
    return _coded(syllables(text))


def _heard_as(text: str) -> str:
    return _coded(sounds(text))


def _grams(toks: str) -> set[str]:
    """Pairs of neighbouring syllables and pairs one apart (coded, see :func:`_coded`): a
    replaced or dropped character leaves the pair that skips it (金宏服装 and 金三服装 share
    金·服)."""
    pairs = {a + b for a, b in itertools.pairwise(toks)}
    pairs |= {a + b for a, b in zip(toks, toks[2:], strict=False)}
    return pairs or {toks[0]}


def _heard(said: str, fuzzy: str, other: str, other_fuzzy: str) -> float:
    """How alike two texts sound, 0..HEARD: by their syllables, else by their fuzzy ones."""
    return max(
        fuzz.ratio(said, other) / 100 * HEARD, fuzz.ratio(fuzzy, other_fuzzy) / 100 * FUZZY_HEARD
    )


def initials(text: str) -> str:
    """Pinyin initials of each hanzi (digits and letters kept): 宏源医院 → hyyy."""
    return "".join(s[0] for s in syllables(text))


REASONS = (
    ("code", "code"),
    ("house number", "house_number"),
    ("no number", "nearest_number"),
    ("junction of", "junction"),
    ("pinyin initials", "initials"),
    ("nearest road by name", "nearest_road"),
    ("division named", "division_named"),
    ("nearest building", "nearest_building"),
    ("sounds like", "sounds_like"),
    ("part of", "part_of"),
    ("name", "name"),
)


def reason_of(why: str) -> str:
    """A stable key for ``why`` (the page shows it in the user's language)."""
    if "(alias)" in why:
        return "alias"
    for start, key in REASONS:
        if why.startswith(start):
            return key
    return "name"


@dataclass
class Place:
    """One thing that can be found."""

    kind: Kind
    label: str
    lon: float
    lat: float
    code: str = ""
    names: tuple[str, ...] = ()  # other names it answers to (alias, former name, address)
    jurisdiction_id: int | None = None
    ref_id: int | None = None


@dataclass(frozen=True)
class Hit:
    kind: Kind
    label: str
    lon: float
    lat: float
    confidence: float
    why: str
    code: str = ""
    ref_id: int | None = None
    jurisdiction_id: int | None = None


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Metres between two WGS84 points, equirectangular: within 0.1 % at a county's size,
    and only used to order hits."""
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * _M_PER_DEG
    return math.hypot(dx, (lat2 - lat1) * _M_PER_DEG)


def nearness(hit: Hit, near: tuple[float, float]) -> float:
    """The context's bonus for ``hit``: NEAR_WEIGHT at the caller's point, fading with
    distance over NEAR_SCALE_M."""
    return NEAR_WEIGHT * math.exp(-distance_m(near[0], near[1], hit.lon, hit.lat) / NEAR_SCALE_M)


@dataclass
class Answer:
    """Hits best first; ``picked`` only when one hit is sure and clear of the others."""

    query: str
    hits: list[Hit]
    picked: Hit | None = None
    ambiguous: bool = False
    nearest: Hit | None = None  # when nothing matched: the closest road or division by name
    message: str = ""
    total: int = 0  # hits found, of which ``hits`` holds the best ``limit``


@dataclass
class _Name:
    place: int
    text: str  # normalized, prefix stripped
    sound: str  # its fuzzy syllables (coded)
    said: str  # its syllables (coded)
    why: str
    full: str  # normalized, with its prefix
    weight: float = 1.0  # below 1 for the name without its leading place word


# A two-character word that begins at least this many indexed names (and this share of them)
# is a place word the dispatcher may leave out (大中, 盐城 of 大中宏源医院, 盐城恒泰贸易有限公司).
HEAD_MIN_NAMES = 20
HEAD_MIN_SHARE = 0.002
HEARD = 0.97  # a name heard in the query (the same syllables), below the same characters
FUZZY_HEARD = 0.94  # the same syllables up to the fuzzy sounds of pinyin input methods
HEADLESS = 0.975  # a name found without its place word, below the same name typed in full
VIA_ADDRESS = 0.9  # a unit found by its address, below the house numbers themselves


@dataclass
class Index:
    """Every place, indexed once; :meth:`search` answers a query."""

    places: list[Place] = field(default_factory=list)
    # Division names stripped from the start of a text, with their short form too (盐城 of
    # 盐城市): the deployment's own divisions, and the provinces and prefecture cities.
    division_names: Iterable[str] = ()
    # Division names stripped only as written in full: the other counties of China, whose
    # short forms are also the words of names (红山 of 红山区, 中江 of 中江县).
    full_names: Iterable[str] = ()

    def __post_init__(self) -> None:
        self._prefixes = self._prefix_table(self.division_names, self.full_names)
        self._buildings: tuple[list[int], np.ndarray] | None = None
        self._names: list[_Name] = []
        self._codes: dict[str, int] = {}
        self._houses: dict[tuple[str, int], list[int]] = {}
        self._road_numbers: dict[str, list[int]] = {}
        self._roads: dict[str, int] = {}  # road name -> a ROAD place
        self._junctions: dict[frozenset[str], int] = {}
        for i, p in enumerate(self.places):
            self._add(i, p)
        self._road_list = sorted({*self._road_numbers, *self._roads})
        for numbers in self._road_numbers.values():
            numbers.sort()
        self._road_sound_list = [_heard_as(r) for r in self._road_list]
        self._road_said_list = [_said(r) for r in self._road_list]
        self._number_roads: dict[int, list[str]] = {}  # house number -> the roads that have it
        for road, number in self._houses:
            self._number_roads.setdefault(number, []).append(road)
        self._add_headless()
        self._build_postings()
        pairs = sorted((initials(n.text), k) for k, n in enumerate(self._names))
        self._initial_keys = [p[0] for p in pairs]
        self._initial_names = [p[1] for p in pairs]

    # -- building ---------------------------------------------------------------------------

    @staticmethod
    def _prefix_table(names: Iterable[str], full: Iterable[str]) -> dict[str, list[str]]:
        out: set[str] = {n for n in map(normalize, full) if len(n) >= 2}
        for name in names:
            n = normalize(name)
            if len(n) < 2:
                continue
            out.add(n)
            short = _DIVISION_SUFFIX.sub("", n)
            if len(short) >= 2:
                out.add(short)
        table: dict[str, list[str]] = {}
        for n in sorted(out, key=len, reverse=True):
            table.setdefault(n[0], []).append(n)
        return table

    def strip_prefix(self, text: str) -> str:
        """``text`` without the division names it starts with (江苏省盐城市大丰区…)."""
        while text:
            for name in self._prefixes.get(text[0], ()):
                rest = text[len(name) :]
                # 南京路 is a road, not 南京 + 路: keep a name whose rest would be bare
                if text.startswith(name) and len(rest) >= 2 and not _BARE.match(rest):
                    text = rest
                    break
            else:
                return text
        return text

    def _add(self, i: int, p: Place) -> None:
        texts = [(p.label, "name")] + [(n, "alias") for n in p.names if n]
        for raw, why in texts:
            text = normalize(raw)
            core = self.strip_prefix(text)
            if not core:
                continue
            house = parse_house_number(core) if p.kind is not Kind.ROAD else None
            if house is not None and (p.kind is Kind.ADDRESS or why == "alias"):
                # a house number is found through the (road, number) table, not by its letters
                self._houses.setdefault((house.road, house.number), []).append(i)
                self._road_numbers.setdefault(house.road, []).append(house.number)
                continue
            self._names.append(_Name(i, core, _heard_as(core), _said(core), why, text))
        if p.code:
            self._codes[normalize(p.code)] = i
        if p.kind is Kind.ROAD:
            self._roads.setdefault(self.strip_prefix(normalize(p.label)), i)

    def _add_headless(self) -> None:
        """Index each name that begins with a place word (see ``HEAD_MIN_NAMES``) once more,
        without that word."""
        named = [n for n in self._names if self.places[n.place].kind in _HEADED]
        heads: dict[str, int] = {}
        for n in named:
            if len(n.text) >= 6:
                heads[n.text[:2]] = heads.get(n.text[:2], 0) + 1
        least = max(HEAD_MIN_NAMES, HEAD_MIN_SHARE * len(named))
        words = {h for h, c in heads.items() if c >= least and not h.isascii()}
        for n in named:
            if len(n.text) >= 6 and n.text[:2] in words:
                rest = n.text[2:]
                self._names.append(
                    _Name(n.place, rest, _heard_as(rest), _said(rest), n.why, rest, HEADLESS)
                )

    def buildings_xy(self) -> tuple[list[int], np.ndarray]:
        """The buildings as (place numbers, an (n, 2) array of lon, lat), made once."""
        if self._buildings is None:
            rows = [i for i, p in enumerate(self.places) if p.kind is Kind.BUILDING]
            xy = np.array([(self.places[i].lon, self.places[i].lat) for i in rows], dtype=float)
            self._buildings = (rows, xy.reshape(-1, 2))
        return self._buildings

    def add_junction(self, road_a: str, road_b: str, lon: float, lat: float) -> None:
        """A crossing of two named roads (found from the road network's shared nodes)."""
        a, b = normalize(road_a), normalize(road_b)
        key = frozenset((a, b))
        if a == b or key in self._junctions:
            return
        self.places.append(Place(Kind.JUNCTION, f"{road_a}与{road_b}交叉口", lon, lat))
        self._junctions[key] = len(self.places) - 1

    def _build_postings(self) -> None:
        grams: dict[str, list[int]] = {}
        for k, n in enumerate(self._names):
            for g in _grams(n.sound):
                grams.setdefault(g, []).append(k)
        self._postings = {g: np.asarray(v, dtype=np.int32) for g, v in grams.items()}

    # -- searching --------------------------------------------------------------------------

    def _hit(self, i: int, confidence: float, why: str) -> Hit:
        p = self.places[i]
        return Hit(
            p.kind,
            p.label,
            p.lon,
            p.lat,
            round(min(confidence, 1.0), 3),
            why,
            p.code,
            p.ref_id,
            p.jurisdiction_id,
        )

    def _best_roads(
        self, road: str, limit: int = 3, number: int | None = None
    ) -> list[tuple[str, float]]:
        """Known road names closest to ``road`` (characters or syllables), score 0..1. With a
        house ``number``, the best ``limit`` roads that have it come too, however many roads
        without it are as close (a typo in a short name has many neighbours)."""
        known = road in self._road_numbers or road in self._roads
        if known and (number is None or (road, number) in self._houses):
            return [(road, 1.0)]
        # a known road without the number typed: the roads one slip away that have it come too
        wide = max(limit * 8, 60)
        sound = _heard_as(road)
        found = {
            name
            for name, _, _ in process.extract(
                road, self._road_list, scorer=fuzz.ratio, limit=wide, score_cutoff=40
            )
        }
        found |= {
            self._road_list[k]
            for _, _, k in process.extract(
                sound, self._road_sound_list, scorer=fuzz.ratio, limit=wide, score_cutoff=40
            )
        }
        if number is not None:
            having = self._number_roads.get(number, [])
            found |= {
                name
                for name, _, _ in process.extract(
                    road, having, scorer=fuzz.ratio, limit=limit, score_cutoff=40
                )
            }
        scored: list[tuple[str, float]] = []
        for name in found:
            chars = fuzz.ratio(road, name) / 100
            at = self._road_at(name)
            heard = _heard(_said(road), sound, self._road_said_list[at], self._road_sound_list[at])
            # a homophone typed through a pinyin input method (宏原路 for 宏源路) just below
            # the name itself; equal letters apart, the closer sound wins
            scored.append((name, max(chars, heard) * 0.98 + heard * 0.02))
        scored.sort(key=lambda s: (-s[1], s[0]))
        if number is None:
            return scored[:limit]
        numbered = [s for s in scored if (s[0], number) in self._houses][:limit]
        exact = [(road, 1.0)] if known else []
        return sorted({*exact, *scored[:limit], *numbered}, key=lambda s: (-s[1], s[0]))

    def _road_at(self, name: str) -> int:
        return bisect.bisect_left(self._road_list, name)

    def _address_hits(self, text: str) -> list[Hit]:
        house = parse_house_number(text)
        if house is None:
            return []
        hits: list[Hit] = []
        for road, score in self._best_roads(house.road, 8, house.number):
            if score < 0.6:
                continue
            exact = self._houses.get((road, house.number))
            road_why = "road" if road == house.road else f"road ≈ {road}"
            if exact:
                for i in exact:
                    # the 门牌 itself before a unit or building that has it as its address
                    own = self.places[i].kind is Kind.ADDRESS
                    why = f"house number {house.number}; {road_why}"
                    hits.append(self._hit(i, score * (1.0 if own else VIA_ADDRESS), why))
                continue
            numbers = self._road_numbers.get(road)
            if numbers:
                at = bisect.bisect_left(numbers, house.number)
                near = min(numbers[max(at - 1, 0) : at + 1], key=lambda n: abs(n - house.number))
                for i in self._houses[(road, near)][:1]:
                    hits.append(
                        self._hit(
                            i,
                            score * 0.75,
                            f"no number {house.number} on {road}; nearest is {near}",
                        )
                    )
        return hits

    def _junction_hits(self, text: str) -> list[Hit]:
        pair = parse_junction(text)
        if pair is None:
            return []
        hits = []
        for a, sa in self._best_roads(pair[0], 2):
            for b, sb in self._best_roads(pair[1], 2):
                i = self._junctions.get(frozenset((a, b)))
                if i is not None:
                    hits.append(self._hit(i, min(sa, sb), f"junction of {a} and {b}"))
        return hits

    def _candidates(self, sound: str, limit: int = 150) -> np.ndarray:
        grams = _grams(sound)
        lists = sorted(
            (self._postings[g] for g in grams if g in self._postings), key=lambda a: a.size
        )
        if not lists:
            return np.empty(0, dtype=np.int32)
        # the rarer grams carry the query; a very common one (有限, 公司) only adds noise, and
        # each gram counts by its rarity (inverse document frequency)
        keep = ([a for a in lists if a.size <= 20000] or lists[:1])[:10]
        n = len(self._names)
        weights = np.concatenate([np.full(a.size, np.log((n + 1) / a.size)) for a in keep])
        counts = np.bincount(np.concatenate(keep), weights=weights, minlength=n)
        found = np.flatnonzero(counts)
        if found.size > limit:
            found = found[np.argsort(-counts[found], kind="stable")[:limit]]
        return found

    def _name_hits(self, text: str, full: str) -> list[Hit]:
        cands = [self._names[k] for k in self._candidates(_heard_as(text)).tolist()]
        if not cands:
            return []
        py, said = _heard_as(text), _said(text)

        def scores(
            query: str, choices: list[str], scorer: Any = fuzz.ratio, scale: float = 100
        ) -> np.ndarray:
            out = process.cdist([query], choices, scorer=scorer, dtype=np.float64, workers=1)
            return np.asarray(out[0]) / scale

        ratio = scores(text, [n.text for n in cands])
        # the same name under another city's prefix ranks below the one typed in full
        prefixed = np.array([full != text or n.full != n.text for n in cands])
        if prefixed.any():
            whole = scores(full, [n.full for n in cands])
            ratio = np.where(prefixed, np.maximum(ratio * 0.99, whole), ratio)
        sound = np.maximum(
            scores(said, [n.said for n in cands]) * HEARD,
            scores(py, [n.sound for n in cands]) * FUZZY_HEARD,
        )
        # the dispatcher typed part of a longer name (宏源医院 of 大丰宏源医院有限公司)
        lengths = np.array([len(n.text) for n in cands], dtype=np.float64)
        part = np.zeros(len(cands))
        longer = lengths > len(text)
        if len(text) >= 2 and longer.any():
            heard = np.maximum.reduce(
                [
                    scores(text, [n.text for n in cands], fuzz.partial_ratio),
                    scores(said, [n.said for n in cands], fuzz.partial_ratio) * HEARD,
                    scores(py, [n.sound for n in cands], fuzz.partial_ratio) * FUZZY_HEARD,
                ]
            )
            part = np.where(longer, heard * (0.8 + 0.15 * len(text) / lengths), 0.0)
        weight = np.array([n.weight for n in cands])
        ratio, sound, part = ratio * weight, sound * weight, part * weight
        top = np.maximum.reduce([ratio, sound, part])
        # equal apart, the closer sound wins, then the fewer edits (Levenshtein: 松祥中 is one
        # replacement from 松祥绣 but two from 松中川, which Indel scores alike)
        edits = scores(text, [n.text for n in cands], Levenshtein.normalized_similarity, 1)
        score = top * 0.97 + sound * 0.02 + edits * weight * 0.01
        best: dict[int, tuple[float, str]] = {}
        for j in np.flatnonzero(score >= FLOOR).tolist():
            n = cands[j]
            if score[j] <= best.get(n.place, (0.0, ""))[0]:
                continue
            why = (
                "name" if top[j] == ratio[j] else "sounds like" if top[j] == sound[j] else "part of"
            )
            if n.why != "name":
                why = f"{why} ({n.why})"
            best[n.place] = (float(score[j]), why)
        return [self._hit(i, s, w) for i, (s, w) in best.items()]

    def _initial_hits(self, text: str) -> list[Hit]:
        if not _INITIALS.match(text):
            return []
        at = bisect.bisect_left(self._initial_keys, text)
        hits = []
        for k in range(at, min(at + 50, len(self._initial_keys))):
            key = self._initial_keys[k]
            if not key.startswith(text):
                break
            n = self._names[self._initial_names[k]]
            hits.append(self._hit(n.place, 0.7 * len(text) / len(key) + 0.2, "pinyin initials"))
        return hits

    def search(
        self, query: str, limit: int = 10, near: tuple[float, float] | None = None
    ) -> Answer:
        """Hits for ``query``, best first (at most ``limit``); ``near`` (lon, lat, WGS84) is the
        caller's context, which orders hits the text leaves nearly equal (see NEAR_WEIGHT)."""
        text = normalize(query)
        core = self.strip_prefix(text)
        hits: list[Hit] = []
        if text in self._codes:
            hits.append(self._hit(self._codes[text], 1.0, "code"))
        if core:
            hits += self._junction_hits(core)
            hits += self._address_hits(core)
            hits += self._name_hits(core, text)
            hits += self._initial_hits(core)
        best: dict[tuple[Kind, str, float, float], Hit] = {}
        for h in hits:
            if h.confidence < FLOOR:
                continue
            key = (h.kind, h.label, h.lon, h.lat)
            if key not in best or h.confidence > best[key].confidence:
                best[key] = h
        if near is None:
            ranked = sorted(best.values(), key=lambda h: (-h.confidence, h.label))[:limit]
        else:
            ranked = sorted(
                best.values(), key=lambda h: (-(h.confidence + nearness(h, near)), h.label)
            )[:limit]
        answer = Answer(query, ranked, total=len(best))
        if not ranked:
            answer.nearest = self._nearest(text, core)
            answer.message = "no place matches"
            return answer
        top = ranked[0]
        # sure and clear by the text alone: a place put first by the context is offered, never
        # picked over another the text rates as high
        runner = max((h.confidence for h in ranked[1:]), default=0.0)
        if top.confidence >= AUTO_PICK and top.confidence - runner >= AMBIGUITY_MARGIN:
            answer.picked = top
        else:
            answer.ambiguous = True
            answer.message = "several places match; choose one"
        return answer

    def _nearest(self, text: str, core: str) -> Hit | None:
        """The closest road by name, else the division named at the start of the text."""
        house = parse_house_number(core)
        road = house.road if house else core
        # the fallback is generous: the closest road by the letters of its pinyin
        letters = [" ".join(syllables(r)) for r in self._roads]
        found = process.extractOne(" ".join(syllables(road)), letters, scorer=fuzz.ratio)
        if found is not None and found[1] >= 40:
            name = list(self._roads)[found[2]]
            score = found[1] / 100
            return self._hit(self._roads[name], score, f"nearest road by name: {name}")
        for name in self._prefixes.get(text[:1], ()):
            if text.startswith(name):
                for i, p in enumerate(self.places):
                    if p.kind is Kind.DIVISION and normalize(p.label).startswith(name):
                        return self._hit(i, 0.3, f"division named in the text: {name}")
        return None
