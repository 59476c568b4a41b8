"""Benchmark: the offline geocoder on a generated city of 50,000 units and 200,000 addresses.

Builds a seeded city: 800 roads with 250 house numbers each (200,000 门牌 "X路N号"), 50,000 units
("大丰宏源医院", "盐城恒泰贸易有限公司", …, each with its road address as a second name) and the
3,500 divisions of cpca. Then 1,000 seeded noisy queries, half addresses and half unit names:

* typos: one character replaced by a homophone (a pinyin input-method slip) or by a random
  character, or dropped;
* prefixes: 江苏省 / 盐城市 / 大丰区 added in front, or the name's own city word left out;
* house-number forms: 155号, 155號, １５５号 (full width), 155号3栋, 155号楼.

A query is right at top-1 when the first hit is the place it was made from, at top-5 when it
is among the first five. Latency is of ``Index.search`` alone (the index is built once, as in
the server). The anchor is rapidfuzz's plain ``process.extractOne`` (WRatio) over the same
label strings, on the first ``--anchor`` queries (it scans every string per query).
Targets: top-1 ≥ 90 %, top-5 ≥ 98 %, p99 ≤ 50 ms.

The city is one county (大丰区, whose 119 centre receives every query); a unit stands at its
address. Every query is run twice: by its text alone, and with the caller's context — a point
drawn around the target with a normal error of ``--caller-m`` metres (default 1,000 m, the
platform's assumption for the location a phone network gives with a call; a dispatcher's
town-sized map view is as coarse) passed as ``near``. The context only orders hits the text
leaves nearly equal (``NEAR_WEIGHT`` in the matcher), so it cannot rescue a query whose target
the text ranks clearly lower.

Every miss is classified by how many *rivals* the query has: other places at least as close
to it as its target, by character or by pinyin-syllable edit distance (a homophone costs
nothing in syllables), after the division prefix is stripped, on the road alone for an address
(among the roads that have its number) and with or without the name's own city word for a
unit. With 5 or more rivals no ranker that reads only the text can be sure to put the target in
the top 5 (with 5 or more strictly closer, none can); with 1 to 4 the top 1 is a tie; with
none the miss is the matcher's. ``--misses`` prints
each miss.

    python bench/geocode.py [--queries 1000] [--anchor 100] [--seed 7] [--caller-m 1000]
                            [--misses]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time

from hostref import host_line  # bench/hostref.py, beside this script
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from lanyan.geocode.matcher import Index, Kind, Place, normalize, parse_house_number, syllables
from lanyan.geocode.service import cpca_divisions, split_divisions

UNITS, ROADS, NUMBERS = 50_000, 800, 250  # NUMBERS: the mean per road
LON0, LAT0 = 120.35, 33.10
CHARS = (
    "宏源恒泰华丰永安兴隆盛达鑫瑞金鼎新富民康宁祥和光明建设人民幸福长江黄海东方西城南湖北园"
    "春秋天地龙凤锦绣万通嘉禾信诚德润海盐丰川阳城港湾云景翠竹松柏梅兰菊桂星月辰宇博文"
    "启航鸿运振兴百合紫荆蓝天碧水青山绿洲红旗五星三元九州四海中山中华团结友谊胜利前进"
)
SUFFIXES = (
    "医院",
    "小学",
    "中学",
    "超市",
    "酒店",
    "宾馆",
    "加油站",
    "幼儿园",
    "商场",
    "市场",
    "贸易有限公司",
    "科技有限公司",
    "纺织有限公司",
    "机械有限公司",
    "食品有限公司",
    "物流有限公司",
    "建材商行",
    "家具城",
    "KTV",
    "网吧",
    "养老院",
    "社区卫生服务中心",
    "汽修厂",
    "化工有限公司",
    "大药房",
    "饭店",
    "宾馆有限公司",
    "电子厂",
    "服装厂",
    "印刷厂",
)
CITY_WORDS = ("大丰", "盐城", "丰城", "新丰", "大中")
ROAD_SUFFIXES = ("路", "路", "街", "大道")
PREFIXES = ("江苏省", "盐城市", "大丰区", "江苏省盐城市", "盐城市大丰区", "江苏省盐城市大丰区")


def _homophones() -> dict[str, list[str]]:
    """Each character of the names → the other characters of the CJK block read the same
    (toneless pinyin): what a pinyin input method offers for the same keystrokes."""
    by_sound: dict[str, list[str]] = {}
    for code in range(0x4E00, 0x9FA6):
        ch = chr(code)
        by_sound.setdefault(syllables(ch)[0], []).append(ch)
    return {
        c: [o for o in by_sound.get(syllables(c)[0], []) if o != c]
        for c in dict.fromkeys(CHARS + "".join(SUFFIXES))
    }


def city(rng: random.Random) -> tuple[list[Place], list[str]]:
    """The generated places (units, addresses, roads) and the road names."""
    chars = list(dict.fromkeys(CHARS))
    roads: list[str] = []
    seen: set[str] = set()
    while len(roads) < ROADS:
        name = "".join(rng.sample(chars, rng.choice((2, 3)))) + rng.choice(ROAD_SUFFIXES)
        if name not in seen:
            seen.add(name)
            roads.append(name)
    places: list[Place] = []
    lengths = [rng.randint(20, 2 * NUMBERS - 20) for _ in roads]
    diff = ROADS * NUMBERS - sum(lengths)  # 200,000 in all
    lengths = [n + diff // ROADS + (r < diff % ROADS) for r, n in enumerate(lengths)]
    for r, road in enumerate(roads):
        lat = LAT0 + (r % 40) * 0.004
        for n in range(1, lengths[r] + 1):
            lon = LON0 + (r // 40) * 0.01 + n * 0.00004
            places.append(Place(Kind.ADDRESS, f"{road}{n}号", lon, lat, ref_id=len(places)))
        places.append(Place(Kind.ROAD, road, LON0 + (r // 40) * 0.01, lat))
    names: set[str] = set()
    while len(names) < UNITS:
        core = "".join(rng.sample(chars, rng.choice((2, 2, 3))))
        word = rng.choice(CITY_WORDS) if rng.random() < 0.5 else ""
        names.add(f"{word}{core}{rng.choice(SUFFIXES)}")
    for name in sorted(names):
        r = rng.randrange(ROADS)
        number = rng.randint(1, lengths[r])
        address = f"{roads[r]}{number}号"
        # a unit stands at its address, give or take 30 m
        places.append(
            Place(
                Kind.UNIT,
                name,
                LON0 + (r // 40) * 0.01 + number * 0.00004 + (rng.random() - 0.5) * 0.0006,
                LAT0 + (r % 40) * 0.004 + (rng.random() - 0.5) * 0.0006,
                code=f"91320982MA{len(places):08d}",
                names=(address,),
            )
        )
    return places, roads


NOISE: list[str] = []  # the kind of typo of each query, in order ("" for none)


def _typo(text: str, rng: random.Random, homophones: dict[str, list[str]]) -> str:
    spots = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
    if not spots:
        return text
    i = rng.choice(spots)
    roll = rng.random()
    if roll < 0.6 and homophones.get(text[i]):
        NOISE[-1] = "homophone"
        return text[:i] + rng.choice(homophones[text[i]]) + text[i + 1 :]
    if roll < 0.85:
        NOISE[-1] = "random character"
        return text[:i] + rng.choice(CHARS) + text[i + 1 :]
    NOISE[-1] = "dropped character"
    return text[:i] + text[i + 1 :]


def _full_width(digits: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in digits)


def queries(
    places: list[Place], roads: list[str], n: int, rng: random.Random
) -> list[tuple[str, Place]]:
    homophones = _homophones()
    addresses = [p for p in places if p.kind is Kind.ADDRESS]
    units = [p for p in places if p.kind is Kind.UNIT]
    out = []
    for q in range(n):
        NOISE.append("no typo")
        if q % 2 == 0:
            target = rng.choice(addresses)
            road = next(r for r in roads if target.label.startswith(r))
            number = target.label[len(road) : -1]
            if rng.random() < 0.6:
                road = _typo(road[:-1], rng, homophones) + road[-1]
            form = rng.choice(("{n}号", "{n}號", "{w}号", "{n}号3栋", "{n}号楼", "{n}", "{w}號"))
            text = road + form.format(n=number, w=_full_width(number))
        else:
            target = rng.choice(units)
            text = target.label
            for word in CITY_WORDS:
                if text.startswith(word) and rng.random() < 0.4:
                    text = text[len(word) :]
            if rng.random() < 0.7:
                text = _typo(text, rng, homophones)
        if rng.random() < 0.4:
            text = rng.choice(PREFIXES) + text
        out.append((text, target))
    return out


class Rivals:
    """Counts, for a query, the places as close to it as its target (see the docstring)."""

    def __init__(self, index: Index, places: list[Place], roads: list[str]) -> None:
        self.index = index
        self.roads = roads
        self.numbers: dict[int, set[str]] = {}
        for p in places:
            if p.kind is Kind.ADDRESS:
                house = parse_house_number(p.label)
                if house is not None:
                    self.numbers.setdefault(house.number, set()).add(house.road)
        self.units: list[tuple[str, tuple[str, ...]]] = []  # (label, its name forms)
        for p in places:
            if p.kind is Kind.UNIT:
                core = index.strip_prefix(normalize(p.label))
                forms = [core] + [core[len(w) :] for w in CITY_WORDS if core.startswith(w)]
                self.units.append((p.label, tuple(forms)))
        self.unit_forms = [f for _, forms in self.units for f in forms]
        self.unit_owner = [label for label, forms in self.units for _ in forms]
        self.unit_sounds = [syllables(f) for f in self.unit_forms]

    @staticmethod
    def _distance(a: str, b: str) -> int:
        return min(Levenshtein.distance(a, b), Levenshtein.distance(syllables(a), syllables(b)))

    def count(self, text: str, target: Place) -> tuple[int, int]:
        """(places as close as the target, places strictly closer)."""
        core = self.index.strip_prefix(normalize(text))
        if target.kind is Kind.ADDRESS:
            house, want = parse_house_number(core), parse_house_number(target.label)
            if house is None or want is None:
                return -1, -1
            own = self._distance(house.road, want.road)
            roads = self.numbers.get(house.number, set()) - {want.road}
            found = [self._distance(house.road, r) for r in roads]
            return sum(d <= own for d in found), sum(d < own for d in found)
        own = min(
            self._distance(core, f)
            for f, label in zip(self.unit_forms, self.unit_owner, strict=True)
            if label == target.label
        )
        return self._near(core, own, target.label), self._near(core, own - 1, target.label)

    def _near(self, core: str, within: int, label: str) -> int:
        if within < 0:
            return 0
        chars = process.extract(
            core, self.unit_forms, scorer=Levenshtein.distance, score_cutoff=within, limit=None
        )
        sounds = process.extract(
            syllables(core),
            self.unit_sounds,
            scorer=Levenshtein.distance,
            score_cutoff=within,
            limit=None,
        )
        near = {self.unit_owner[k] for _, _, k in chars}
        near |= {self.unit_owner[k] for _, _, k in sounds}
        return len(near - {label})


def rival_class(rivals: tuple[int, int]) -> str:
    as_close, closer = rivals
    if closer >= 5:
        return "beaten (≥5 strictly closer)"
    if as_close >= 5:
        return "indistinguishable (≥5 as close)"
    if as_close >= 1:
        return "tied (1–4 as close)"
    return "matcher's own (no rival)"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--anchor", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--caller-m", type=float, default=1000.0, help="error of the caller's point (metres)"
    )
    ap.add_argument("--misses", action="store_true", help="print every miss")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    places, roads = city(rng)
    divisions = cpca_divisions()
    t = time.perf_counter()
    short, full = split_divisions(divisions)
    # the deployment's own divisions (the registry's jurisdictions) and cpca's
    index = Index(places + divisions, ["江苏省", "盐城市", "大丰区", *short], full)
    build_s = time.perf_counter() - t
    work = queries(places, roads, args.queries, rng)
    print(
        f"city: {UNITS:,} units, {ROADS * NUMBERS:,} addresses, {ROADS} roads, "
        f"{len(divisions):,} divisions; index built in {build_s:.1f} s"
    )
    for text, _ in work[:50]:  # warm the caches the way a running server has them
        index.search(text)
    top1 = top5 = 0
    times: list[float] = []
    by_noise: dict[tuple[str, str], list[int]] = {}
    missed: list[tuple[str, Place, str, int, list[str]]] = []  # query, target, noise, rank, top
    for (text, target), noise in zip(work, NOISE, strict=True):
        t = time.perf_counter()
        answer = index.search(text, limit=5)
        times.append((time.perf_counter() - t) * 1e3)
        labels = [(h.kind, h.label) for h in answer.hits]
        first = bool(labels) and labels[0] == (target.kind, target.label)
        top1 += first
        top5 += (target.kind, target.label) in labels
        tally = by_noise.setdefault((target.kind.value, noise), [0, 0, 0])
        tally[0] += 1
        tally[1] += first
        tally[2] += (target.kind, target.label) in labels
        if not first:
            key = (target.kind, target.label)
            rank = labels.index(key) + 1 if key in labels else 0
            missed.append((text, target, noise, rank, [h.label for h in answer.hits[:3]]))
    n = len(work)
    print(
        f"lanyan geocoder: top-1 {100 * top1 / n:.1f} %, top-5 {100 * top5 / n:.1f} % "
        f"of {n} queries; median {statistics.median(times):.2f} ms, p99 {pct(times, 0.99):.2f} ms"
    )
    for (kind, noise), (count, one, five) in sorted(by_noise.items()):
        print(
            f"  {kind:<7} {noise:<17} {count:4d} queries: top-1 {100 * one / count:5.1f} %, "
            f"top-5 {100 * five / count:5.1f} %"
        )
    rivals = Rivals(index, places, roads)
    classes: dict[tuple[str, bool], int] = {}
    for text, target, noise, rank, tops in missed:
        cls = rival_class(rivals.count(text, target))
        classes[(cls, rank > 0)] = classes.get((cls, rank > 0), 0) + 1
        if args.misses:
            where = f"rank {rank}" if rank else "not in top 5"
            print(f"  miss [{cls}; {noise}; {where}] {text} → want {target.label}; got {tops}")
    print(f"misses: {len(missed)} at top-1, {n - top5} at top-5, by rivals:")
    for (cls, in_five), count in sorted(classes.items()):
        print(f"  {cls:<33} {'in top 5' if in_five else 'not in top 5':<13} {count:4d}")
    # with the caller's context: a point around the target (its own seeded stream, so the
    # queries are the same as above)
    crng = random.Random(args.seed + 1)
    c_top1 = c_top5 = 0
    c_times: list[float] = []
    for text, target in work:
        dx, dy = crng.gauss(0, args.caller_m), crng.gauss(0, args.caller_m)
        near = (
            target.lon + dx / (111_320.0 * math.cos(math.radians(target.lat))),
            target.lat + dy / 111_320.0,
        )
        t = time.perf_counter()
        answer = index.search(text, limit=5, near=near)
        c_times.append((time.perf_counter() - t) * 1e3)
        labels = [(h.kind, h.label) for h in answer.hits]
        c_top1 += bool(labels) and labels[0] == (target.kind, target.label)
        c_top5 += (target.kind, target.label) in labels
    print(
        f"with the caller's point (error σ {args.caller_m:,.0f} m): top-1 "
        f"{100 * c_top1 / n:.1f} %, top-5 {100 * c_top5 / n:.1f} %; median "
        f"{statistics.median(c_times):.2f} ms, p99 {pct(c_times, 0.99):.2f} ms"
    )
    labels = [p.label for p in places + divisions]
    sub = work[: args.anchor]
    a_right = mine_right = 0
    a_times: list[float] = []
    for text, target in sub:
        t = time.perf_counter()
        found = process.extractOne(text, labels)
        a_times.append((time.perf_counter() - t) * 1e3)
        a_right += found is not None and found[0] == target.label
        hits = index.search(text, limit=1).hits
        mine_right += bool(hits) and hits[0].label == target.label
    mine_median = statistics.median(times[: len(sub)])
    print(
        f"anchor rapidfuzz process.extractOne (WRatio, {len(labels):,} strings) on the first "
        f"{len(sub)} queries: top-1 {100 * a_right / len(sub):.1f} % (lanyan "
        f"{100 * mine_right / len(sub):.1f} %), median {statistics.median(a_times):.1f} ms, "
        f"p99 {pct(a_times, 0.99):.1f} ms; ratio of medians {statistics.median(a_times) / mine_median:.0f}×"
    )

    def verdict(one: int, five: int, lat: list[float]) -> str:
        return "met" if one >= 0.9 * n and five >= 0.98 * n and pct(lat, 0.99) <= 50 else "NOT met"

    print(
        "targets: top-1 ≥ 90 %, top-5 ≥ 98 %, p99 ≤ 50 ms → by the text alone "
        f"{verdict(top1, top5, times)}; with the caller's point {verdict(c_top1, c_top5, c_times)}"
    )
    print(host_line())


if __name__ == "__main__":
    main()
