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
                "confidence": round(self.confidence, 4), "method": self.method}


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


def _source_graph(links: Iterable[PairLink]) -> list[Edge]:
    """Directed edges for the pairs whose source was decided (by dates or by the text)."""
    edges = []
    for ln in links:
        if ln.source is None:
            continue
        src, cp = (ln.a, ln.b) if ln.source == "a" else (ln.b, ln.a)
        edges.append(Edge(src, cp, ln.verdict, ln.confidence, ln.method))
    return sorted(edges, key=lambda e: (e.source, e.copy))


@dataclass(frozen=True, slots=True)
class Sibling:
    """Two articles that both derive from ``via``: they share text because they share a source,
    so neither is the other's copy (two papers rewriting the same wire story)."""

    a: str
    b: str
    via: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "via": list(self.via)}


def siblings(links: Iterable[PairLink]) -> list[Sibling]:
    """Reuse pairs whose two articles have a common source among the other decided pairs.

    X and Y are siblings via Z when Z is the source of X and of Y (Z→X and Z→Y) and the X–Y pair
    is not itself the reason: Z is neither X nor Y.
    """
    links = list(links)
    sources_of: dict[str, set[str]] = defaultdict(set)
    for ln in links:
        if ln.source is not None:
            src, cp = (ln.a, ln.b) if ln.source == "a" else (ln.b, ln.a)
            sources_of[cp].add(src)
    out = []
    for ln in links:
        common = (sources_of.get(ln.a, set()) & sources_of.get(ln.b, set())) - {ln.a, ln.b}
        if common:
            a, b = sorted((ln.a, ln.b))
            out.append(Sibling(a, b, tuple(sorted(common))))
    return sorted(set(out), key=lambda x: (x.a, x.b))


def source_graph(links: Iterable[PairLink], *, without: Iterable[Sibling] = ()) -> list[Edge]:
    """Directed edges for the pairs whose source was decided, leaving out sibling pairs."""
    skip = {frozenset((x.a, x.b)) for x in without}
    return [e for e in _source_graph(links) if frozenset((e.source, e.copy)) not in skip]


@dataclass(frozen=True, slots=True)
class PassageClaim:
    """One passage of the query document, found in the comparison with ``source``."""

    source: str
    index: int
    start: int
    end: int
    weight: float


def assign_passages(claims: Iterable[PassageClaim], *, min_overlap: float = 0.5) -> dict[tuple[str, int], tuple[bool, tuple[str, ...]]]:
    """One passage, one source: each passage of the query goes to the best candidate source.

    Passages of different sources that overlap on the query side by at least ``min_overlap`` of
    the shorter one compete; the one with the highest ``weight`` (score x length) is primary,
    the others are secondary. Returns ``(source, index) -> (primary, other sources)``.
    """
    claims = sorted(claims, key=lambda c: (-c.weight, c.source, c.index))
    out: dict[tuple[str, int], tuple[bool, tuple[str, ...]]] = {}
    for k, c in enumerate(claims):
        rivals = []
        primary = True
        for j, o in enumerate(claims):
            if o.source == c.source:
                continue
            inter = min(c.end, o.end) - max(c.start, o.start)
            if inter > 0 and inter >= min_overlap * min(c.end - c.start, o.end - o.start):
                rivals.append(o.source)
                if j < k:
                    primary = False
        out[(c.source, c.index)] = (primary, tuple(sorted(set(rivals))))
    return out


def outlet_table(edges: Iterable[Edge], outlets: Mapping[str, str | None]) -> list[OutletRow]:
    """Counts of source-outlet → copying-outlet over the graph's edges, most frequent first."""
    c: Counter[tuple[str, str]] = Counter()
    for e in edges:
        c[(outlets.get(e.source) or UNKNOWN_OUTLET, outlets.get(e.copy) or UNKNOWN_OUTLET)] += 1
    return [OutletRow(s, t, n) for (s, t), n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]


__all__ = [
    "Cluster",
    "Edge",
    "OutletRow",
    "PairLink",
    "PassageClaim",
    "Sibling",
    "assign_passages",
    "outlet_table",
    "reprint_clusters",
    "siblings",
    "source_graph",
]
