"""Process settings for the long-running device services (gateway, alarm processors, MQTT
ingest), which hold tens of thousands of long-lived objects (one protocol object, transport
and buffer per device connection, the ORM's metadata, decoder caches).

CPython's cyclic garbage collector walks every tracked object on a full collection: with
10,000 connected devices that took 100–200 ms, during which no frame is read or confirmed
(measured with ``bench/ingest.py``: alarm-to-confirm p99 above 100 ms, max 200 ms, from these
pauses alone). ``settle_heap`` is the usual remedy for a server (as ``gc.freeze`` documents):
once set up, move what exists out of the collector's sight, and collect the young
generation less often, so that the objects of frames in flight die before they are looked at.
Reference counting still frees everything that is not in a cycle at once; cycles are still
collected, only later.
"""

from __future__ import annotations

import gc

# Allocations between young collections (CPython's default is 700); then every 50th young
# collection looks at the middle generation, every 100th of those at everything.
YOUNG = 200_000


def settle_heap(young: int = YOUNG) -> None:
    """Call once a service is set up (imports, engine, caches), before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, 50, 100)


__all__ = ["settle_heap"]
