"""How a scaled demo region (``lanyan demo --scale N``) grows from the Dafeng county.

A city-scale region is N times the demo on the same real county outline: N times the units,
buildings, hydrants, devices, grid workers, micro stations and records, and about N times the
roads. The ground does not grow, so the region grows denser: each street block of the city,
town and zone grids is cut by side streets (支路) into about N smaller blocks, towns get N times
the villages (closer together, each with its rural road), and extra 二级 stations, enough for
N times the fire engines, stand at road junctions spread over the towns. Roads
between towns and the G15 do not multiply, so road segments grow a little less than N times
(about 6.9× at N = 10). Scale 1 is exactly the Dafeng demo.
"""

from __future__ import annotations

SCALE_MIN, SCALE_MAX = 1, 50
SCALE_RULE = f"must be a whole number from {SCALE_MIN} to {SCALE_MAX}"
_ORDINAL = "一二三四五六七八九十"


def check_scale(scale: int) -> None:
    """Raise ``ValueError`` (naming the rule) unless ``scale`` is in range."""
    if not SCALE_MIN <= scale <= SCALE_MAX:
        raise ValueError(SCALE_RULE)


def street_split(scale: int) -> tuple[int, int]:
    """(kx, ky): cut every block into kx × ky blocks, kx · ky as close to ``scale`` as can be,
    then as square as can be, kx ≥ ky (so 1 → (1, 1), 2 → (2, 1), 4 → (2, 2), 10 → (5, 2)).

    >>> [street_split(n) for n in (1, 2, 3, 4, 9, 10)]
    [(1, 1), (2, 1), (3, 1), (2, 2), (3, 3), (5, 2)]
    """
    check_scale(scale)
    pairs = [(kx, max(1, round(scale / kx))) for kx in range(1, scale + 1)]
    pairs = [(kx, ky) for kx, ky in pairs if kx >= ky]
    return min(pairs, key=lambda p: (abs(p[0] * p[1] - scale), p[0] - p[1]))


def side_streets(main: list[str], per_block: int) -> list[str]:
    """Street names for a grid whose blocks are cut ``per_block`` times one way: the main
    streets keep their names and the side streets between are named after the main street
    south (or west) of them, 人民路 → 人民一支路, 人民二支路….

    >>> side_streets(["人民路", "幸福路"], 3)
    ['人民路', '人民一支路', '人民二支路', '幸福路']
    """
    out: list[str] = []
    for k, name in enumerate(main):
        out.append(name)
        if k < len(main) - 1:
            base = name.removesuffix("路")
            out += [f"{base}{_side(m)}支路" for m in range(1, per_block)]
    return out


def _side(m: int) -> str:
    if m <= 10:
        return _ORDINAL[m - 1]
    tens, ones = divmod(m, 10)
    return (_ORDINAL[tens - 1] if tens > 1 else "") + "十" + (_ORDINAL[ones - 1] if ones else "")
