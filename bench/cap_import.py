"""Benchmark: reading CAP 1.2 weather warnings (parse without DOCTYPE/entities, check every field).

Reads the Dafeng gale sample (tests/fixtures/cap) ``--repeat`` times through
:func:`lanyan.exchange.cap.read_alert`; the anchor, in the same run, is the standard library's
``xml.etree.ElementTree.fromstring`` on the same bytes (parsing only, no checks), so the ratio
is what the refusing parser and the checks cost over a bare parse. The host reference
(``bench/hostref.py``) is printed first.

    python bench/cap_import.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from hostref import host_line

from lanyan.exchange.cap import read_alert

SAMPLE = Path(__file__).parent.parent / "tests" / "fixtures" / "cap" / "dafeng_gale_yellow.xml"


def _rate(fn: object, data: bytes, repeat: int) -> float:
    assert callable(fn)
    t = time.perf_counter()
    for _ in range(repeat):
        fn(data)
    return repeat / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    data = SAMPLE.read_bytes()
    print(host_line())
    anchor = _rate(ET.fromstring, data, args.repeat)
    ours = _rate(read_alert, data, args.repeat)
    print(f"anchor ElementTree.fromstring: {anchor:,.0f} documents/s")
    print(f"read_alert (refusing parse + checks): {ours:,.0f} documents/s")
    print(f"ratio read_alert / anchor: {ours / anchor:.2f}")


if __name__ == "__main__":
    main()
