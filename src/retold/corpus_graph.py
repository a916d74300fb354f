"""Reprint clusters, the source→copy graph and the who-copies-whom table (core: no I/O).

All three are built from light :class:`PairLink` records (ids, verdict, which side is the source),
so they work on scan output of any size without the full comparisons.

>>> links = [PairLink("a", "b", "copy", "a"), PairLink("b", "c", "partial-reuse", None)]
>>> [c.ids for c in reprint_clusters(links)]
[('a', 'b', 'c')]
>>> [(e.source, e.copy) for e in source_graph(links)]
[('a', 'b')]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date as Date

from retold.types import Side

UNKNOWN_OUTLET = "(unknown)"


@dataclass(frozen=True, slots=True)
class PairLink:
    """One detected reuse pair, reduced to what the corpus-level views need."""

    a: str
    b: str
    verdict: str
    source: Side | None
    confidence: float = 0.0
    method: str = "none"


@dataclass(frozen=True, slots=True)
class Cluster:
    """Documents connected by reuse; ``origin`` is the earliest-dated, else the most-copied one."""

    ids: tuple[str, ...]
    origin: str | None
    pairs: int

    def to_dict(self) -> dict[str, object]:
        return {"ids": list(self.ids), "size": len(self.ids), "origin": self.origin, "pairs": self.pairs}


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed source→copy link, from the pair's attribution."""

    source: str
    copy: str
    verdict: str
    confidence: float
    method: str

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "copy": self.copy, "verdict": self.verdict,
                "confidence": round(self.confidence, 4), "method": self.method}  # fmt: skip


@dataclass(frozen=True, slots=True)
class OutletRow:
    """How often ``copier`` reused text whose source was ``source`` (who copies whom)."""

    source: str
    copier: str
    count: int

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "copier": self.copier, "count": self.count}


def reprint_clusters(links: Iterable[PairLink], *, dates: Mapping[str, Date | None] | None = None) -> list[Cluster]:
    """Connected components of the reuse pairs, largest first (ids sorted within a cluster)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    count: Counter[str] = Counter()
    copied: Counter[str] = Counter()
    links = list(links)
    for ln in links:
        ra, rb = find(ln.a), find(ln.b)
        if ra != rb:
            parent[ra] = rb
        if ln.source is not None:
            copied[ln.a if ln.source == "a" else ln.b] += 1
    for ln in links:
        count[find(ln.a)] += 1
    members: dict[str, list[str]] = defaultdict(list)
    for x in parent:
        members[find(x)].append(x)
    dates = dates or {}
    out = []
    for root, ids in members.items():
        dated = [(d, i) for i in ids if (d := dates.get(i)) is not None]
        if dated:
            origin: str | None = min(dated)[1]
        elif copied and max(copied[i] for i in ids) > 0:
            origin = max(sorted(ids), key=lambda i: copied[i])
        else:
            origin = None
        out.append(Cluster(tuple(sorted(ids)), origin, count[root]))
    return sorted(out, key=lambda c: (-len(c.ids), c.ids))


def source_graph(links: Iterable[PairLink]) -> list[Edge]:
    """Directed edges for the pairs whose source was decided (by dates or by the text)."""
    edges = []
    for ln in links:
        if ln.source is None:
            continue
        src, cp = (ln.a, ln.b) if ln.source == "a" else (ln.b, ln.a)
        edges.append(Edge(src, cp, ln.verdict, ln.confidence, ln.method))
    return sorted(edges, key=lambda e: (e.source, e.copy))


def outlet_table(edges: Iterable[Edge], outlets: Mapping[str, str | None]) -> list[OutletRow]:
    """Counts of source-outlet → copying-outlet over the graph's edges, most frequent first."""
    c: Counter[tuple[str, str]] = Counter()
    for e in edges:
        c[(outlets.get(e.source) or UNKNOWN_OUTLET, outlets.get(e.copy) or UNKNOWN_OUTLET)] += 1
    return [OutletRow(s, t, n) for (s, t), n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]


__all__ = ["Cluster", "Edge", "OutletRow", "PairLink", "outlet_table", "reprint_clusters", "source_graph"]
