"""Process-wide Prometheus instruments of the device intake (接入计量), in the library's default
registry: every process that stores device messages (``lanyan gateway serve`` in embedded mode,
``lanyan monitor process``, ``lanyan mqtt ingest`` in embedded mode) counts here, and
``lanyan.ops.metrics`` exposes them.

Counting is per batch, not per frame: one ``inc(n)`` per protocol and outcome after the commit.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter, Histogram

FRAMES = Counter(
    "lanyan_ingest_frames",
    "Device messages (GB/T 26875.3 frames, MQTT messages) durably stored, counted after the "
    "commit; outcome=duplicate for a retransmission already stored",
    ["protocol", "outcome"],
)
BATCH_SIZE = Histogram(
    "lanyan_ingest_batch_size",
    "Messages per group-commit transaction of the embedded gateway's writer",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000),
)


def count_stored(batch: Sequence[Any], results: Sequence[Any]) -> None:
    """Count a committed batch (``ingest.Pending`` and their ``ingest.Stored``): messages per
    protocol, new or duplicate."""
    tally = Tally(
        (p.item.protocol, "duplicate" if r.duplicate else "stored")
        for p, r in zip(batch, results, strict=False)
    )
    for (protocol, outcome), n in tally.items():
        FRAMES.labels(protocol, outcome).inc(n)
