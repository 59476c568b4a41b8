"""A fixed pure-Python workload that measures the host, not Lanyan.

The machines these benchmarks run on are shared virtual machines: the same code has run 2×
faster or slower per CPU second from one day to the next. Figures in frames/s or milliseconds
from different runs compare only together with this reference: a Dijkstra over a fixed
100 × 100 grid with ``heapq`` and dicts (the interpreter work the gateway and the networkx
anchor are made of), best of 25 (best of 5 scattered from 18 to 30 ms on one idle host).
Nothing here imports Lanyan or depends on a library version.
"""

from __future__ import annotations

import heapq
import time

SIDE = 100


def _grid() -> dict[int, list[tuple[int, float]]]:
    graph: dict[int, list[tuple[int, float]]] = {}
    for r in range(SIDE):
        for c in range(SIDE):
            node = r * SIDE + c
            edges = graph.setdefault(node, [])
            for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < SIDE and 0 <= cc < SIDE:
                    edges.append((rr * SIDE + cc, 1.0 + ((r * 7 + c * 13 + dr * 3) % 11) / 10))
    return graph


def _dijkstra(graph: dict[int, list[tuple[int, float]]], source: int) -> dict[int, float]:
    dist = {source: 0.0}
    heap = [(0.0, source)]
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist[node]:
            continue
        for other, w in graph[node]:
            nd = d + w
            if nd < dist.get(other, float("inf")):
                dist[other] = nd
                heapq.heappush(heap, (nd, other))
    return dist


def host_reference_ms(repeat: int = 25) -> float:
    """Best of ``repeat`` runs of the fixed workload, in milliseconds."""
    graph = _grid()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        dist = _dijkstra(graph, 0)
        best = min(best, time.perf_counter() - t)
    assert len(dist) == SIDE * SIDE
    return best * 1e3


def host_line(repeat: int = 25) -> str:
    return (
        f"host reference: pure-Python Dijkstra on a {SIDE}×{SIDE} grid, best of {repeat}: "
        f"{host_reference_ms(repeat):.1f} ms (lower is a faster host; compare figures across runs "
        f"with it)"
    )


if __name__ == "__main__":
    print(host_line())
