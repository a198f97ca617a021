"""Quantiles and the Go ordering primitives they depend on.

Ported from prometheus/promql/quantile.go (v2.42) and, for topk/bottomk, from Go's
container/heap and sort packages: with NaNs and ties the exact sequence of heap operations
decides which samples survive and in what order, so it is reproduced rather than approximated.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from warroom.sim.promql.values import INF, NAN, Sample, go_div

Less = Callable[[list[Sample], int, int], bool]


def value_less(h: list[Sample], i: int, j: int) -> bool:
    """vectorByValueHeap.Less: NaN sorts before everything."""
    vi = h[i][1]
    return vi != vi or vi < h[j][1]


def reverse_value_less(h: list[Sample], i: int, j: int) -> bool:
    """vectorByReverseValueHeap.Less."""
    vi = h[i][1]
    return vi != vi or vi > h[j][1]


def heap_up(h: list[Sample], j: int, less: Less) -> None:
    while j > 0:
        parent = (j - 1) // 2
        if not less(h, j, parent):
            break
        h[parent], h[j] = h[j], h[parent]
        j = parent


def heap_down(h: list[Sample], i0: int, n: int, less: Less) -> None:
    i = i0
    while True:
        j1 = 2 * i + 1
        if j1 >= n:
            break
        j = j1
        j2 = j1 + 1
        if j2 < n and less(h, j2, j1):
            j = j2
        if not less(h, j, i):
            break
        h[i], h[j] = h[j], h[i]
        i = j


def heap_push(h: list[Sample], item: Sample, less: Less) -> None:
    h.append(item)
    heap_up(h, len(h) - 1, less)


def heap_pop(h: list[Sample], less: Less) -> Sample:
    n = len(h) - 1
    h[0], h[n] = h[n], h[0]
    heap_down(h, 0, n, less)
    return h.pop()


def go_sort(items: list[Sample], less: Less) -> None:
    """sort.Sort: Go's pdqsort runs a plain insertion sort up to 12 elements, reproduced
    exactly; longer inputs are ordered by the same Less (ties may then land differently)."""
    n = len(items)
    if n <= 12:
        for i in range(1, n):
            j = i
            while j > 0 and less(items, j, j - 1):
                items[j], items[j - 1] = items[j - 1], items[j]
                j -= 1
        return

    def compare(a: Sample, b: Sample) -> int:
        pair = [a, b]
        if less(pair, 0, 1):
            return -1
        return 1 if less(pair, 1, 0) else 0

    items.sort(key=functools.cmp_to_key(compare))


def reversed_less(less: Less) -> Less:
    """sort.Reverse."""
    return lambda h, i, j: less(h, j, i)


def quantile(q: float, values: list[float]) -> float:
    """quantile(): the φ-quantile of plain values, interpolating between neighbours."""
    if not values or q != q:
        return NAN
    if q < 0:
        return -INF
    if q > 1:
        return INF
    ordered = sorted(values, key=lambda v: (v == v, v if v == v else 0.0))
    n = float(len(ordered))
    rank = q * (n - 1)
    lower = max(0.0, math.floor(rank))
    upper = min(n - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[int(lower)] * (1 - weight) + ordered[int(upper)] * weight


def _search(n: int, pred: Callable[[int], bool]) -> int:
    """sort.Search: the binary search itself, so non-monotonic (NaN) input behaves the same."""
    i, j = 0, n
    while i < j:
        h = (i + j) >> 1
        if not pred(h):
            i = h + 1
        else:
            j = h
    return i


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """bucketQuantile(): φ-quantile from classic (upper bound, cumulative count) buckets.

    Interpolates linearly inside the bucket holding the rank, assumes 0 as the lowest bucket's
    lower bound when that bound is positive, answers the second-highest bound for the +Inf
    bucket, and NaN without a +Inf bucket, with fewer than two buckets or no observations.
    """
    if q != q:
        return NAN
    if q < 0:
        return -INF
    if q > 1:
        return INF
    buckets = sorted(buckets, key=lambda b: b[0])
    if buckets[-1][0] != INF:
        return NAN
    merged = _coalesce(buckets)
    _ensure_monotonic(merged)
    if len(merged) < 2:
        return NAN
    observations = merged[-1][1]
    if observations == 0:
        return NAN
    rank = q * observations
    b = _search(len(merged) - 1, lambda i: merged[i][1] >= rank)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    bucket_start = 0.0
    bucket_end, count = merged[b]
    if b > 0:
        bucket_start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    return bucket_start + (bucket_end - bucket_start) * go_div(rank, count)


def _coalesce(buckets: list[tuple[float, float]]) -> list[list[float]]:
    """Merge buckets with the same upper bound (`le="0.2"` and `le="2e-1"`)."""
    merged: list[list[float]] = [list(buckets[0])]
    for upper, count in buckets[1:]:
        if upper == merged[-1][0]:
            merged[-1][1] += count
        else:
            merged.append([upper, count])
    return merged


def _ensure_monotonic(buckets: list[list[float]]) -> None:
    """Raise any count below an earlier one: scrapes are not atomic across bucket series."""
    highest = buckets[0][1]
    for bucket in buckets[1:]:
        if bucket[1] > highest:
            highest = bucket[1]
        elif bucket[1] < highest:
            bucket[1] = highest
