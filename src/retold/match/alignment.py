"""The state every pass of the matcher reads and grows: :class:`Alignment`.

An alignment holds the two documents' features, their lexical matrices, the tuning table, the
sentence groups built so far (disjoint: a sentence is in at most one group) and, once the
embedding pass has run, the cosines of the embedded sentences. :meth:`Alignment.mirrored` is the
same alignment seen with a and b swapped, so a pass written for "b condenses a" also runs for
"a condenses b". :meth:`Alignment.pairs` turns the groups into scored
:class:`~retold.types.SentencePair` results, each with ``via``: the pass that made the group, then
``+split``, ``+join`` or ``+widen`` for each later pass that grew it (``"lexical+split"``).

>>> from retold.config import MatchSettings
>>> from retold.match import featurize
>>> from retold.segment import segment
>>> al = Alignment(featurize(segment("One sentence here.")), featurize(segment("One sentence here.")),
...                settings=MatchSettings())
>>> al.groups.new(0, 0, "lexical")
>>> [(p.a, p.b, p.via) for p in al.pairs()]
[((0,), (0,), 'lexical')]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from retold.config import MatchSettings, MatchTuning
from retold.embed import Embedder
from retold.tokens import token_dice
from retold.types import SentencePair

from .features import DocFeatures, LexicalMatrices, lexical_matrices

Group = tuple[list[int], list[int], str]


class Groups:
    """Disjoint sentence groups under construction, each remembering the pass that made it."""

    def __init__(self) -> None:
        self.of_a: dict[int, int] = {}
        self.of_b: dict[int, int] = {}
        self.groups: list[Group] = []
        # Cosine of a group as a whole (joins and summary windows), beyond its sentence pairs.
        self.cosine: dict[int, float] = {}
        # Share of the b sentence's content-word weight found in its a window (summary gaps):
        # the group's score when higher than its Dice, which a 1:4 length ratio keeps low.
        self.containment: dict[int, float] = {}
        # How each group grew after it was made ("split", "join", "widen"), in order.
        self.grown: dict[int, list[str]] = {}

    def new(self, i: int, j: int, how: str) -> None:
        g = len(self.groups)
        self.groups.append(([i], [j], how))
        self.of_a[i] = g
        self.of_b[j] = g

    def add_a(self, g: int, i: int, how: str) -> None:
        self.groups[g][0].append(i)
        self.of_a[i] = g
        self._grew(g, how)

    def add_b(self, g: int, j: int, how: str) -> None:
        self.groups[g][1].append(j)
        self.of_b[j] = g
        self._grew(g, how)

    def _grew(self, g: int, how: str) -> None:
        tags = self.grown.setdefault(g, [])
        if how not in tags:
            tags.append(how)

    def via(self, g: int) -> str:
        """The pass that made group ``g``, then how it grew: ``"lexical+split"``."""
        how = self.groups[g][2]
        return "+".join([how, *(x for x in self.grown.get(g, ()) if x != how)])

    def mirrored(self) -> Groups:
        return _MirrorGroups(self)


class _MirrorGroups(Groups):
    """The same groups seen with a and b swapped (no state of its own: every view reads inner)."""

    def __init__(self, inner: Groups) -> None:
        self.inner = inner

    @property
    def of_a(self) -> dict[int, int]:  # type: ignore[override]
        return self.inner.of_b

    @property
    def of_b(self) -> dict[int, int]:  # type: ignore[override]
        return self.inner.of_a

    @property
    def groups(self) -> list[Group]:  # type: ignore[override]
        return [(b, a, how) for a, b, how in self.inner.groups]

    @property
    def cosine(self) -> dict[int, float]:  # type: ignore[override]
        return self.inner.cosine

    @property
    def containment(self) -> dict[int, float]:  # type: ignore[override]
        return self.inner.containment

    @property
    def grown(self) -> dict[int, list[str]]:  # type: ignore[override]
        return self.inner.grown

    def new(self, i: int, j: int, how: str) -> None:
        self.inner.new(j, i, how)

    def add_a(self, g: int, i: int, how: str) -> None:
        self.inner.add_b(g, i, how)

    def add_b(self, g: int, j: int, how: str) -> None:
        self.inner.add_a(g, j, how)

    def mirrored(self) -> Groups:
        return self.inner


class Alignment:
    """Two documents being aligned: features, lexical evidence, tuning, groups and cosines.

    ``cos`` is None until the embedding pass ran (``-1.0`` marks pairs it did not embed);
    ``vec_a`` / ``vec_b`` hold the embedded sentences' vectors by index.
    """

    def __init__(
        self,
        fa: DocFeatures,
        fb: DocFeatures,
        *,
        settings: MatchSettings,
        embedder: Embedder | None = None,
        vectors_a: np.ndarray | None = None,
        vectors_b: np.ndarray | None = None,
    ) -> None:
        self.fa, self.fb = fa, fb
        self.settings = settings
        self.tuning: MatchTuning = settings.tuning
        self.lex: LexicalMatrices = lexical_matrices(fa, fb)
        self.groups: Groups = Groups()
        self.embedder = embedder
        self.vectors_a, self.vectors_b = vectors_a, vectors_b
        self.title_a = is_title(fa, self.tuning)
        self.title_b = is_title(fb, self.tuning)
        self.cos: np.ndarray | None = None
        self.vec_a: dict[int, np.ndarray] = {}
        self.vec_b: dict[int, np.ndarray] = {}

    @property
    def can_embed(self) -> bool:
        """Whether semantic evidence is on and there is an embedder or vectors to get it from."""
        return self.settings.semantic and (
            self.embedder is not None or (self.vectors_a is not None and self.vectors_b is not None)
        )

    def mirrored(self) -> Alignment:
        """The same alignment with a and b swapped; passes on it change this one's groups."""
        m = Alignment.__new__(Alignment)
        m.fa, m.fb = self.fb, self.fa
        m.settings, m.tuning = self.settings, self.tuning
        m.lex = self.lex.transposed()
        m.groups = self.groups.mirrored()
        m.embedder = self.embedder
        m.vectors_a, m.vectors_b = self.vectors_b, self.vectors_a
        m.title_a, m.title_b = self.title_b, self.title_a
        m.cos = None if self.cos is None else self.cos.T
        m.vec_a, m.vec_b = self.vec_b, self.vec_a
        return m

    def pairs(self) -> list[SentencePair]:
        """The groups as scored sentence pairs, ordered by their first b sentence."""
        fa, fb, groups, cos = self.fa, self.fb, self.groups, self.cos
        out = []
        for g, (a_ids, b_ids, _how) in enumerate(groups.groups):
            a_ids, b_ids = sorted(a_ids), sorted(b_ids)
            sa = frozenset().union(*(fa.stems[i] for i in a_ids))
            sb = frozenset().union(*(fb.stems[j] for j in b_ids))
            shared = sa & sb
            wa = math.fsum(fa.weights[x] for x in sa)
            wb = math.fsum(fb.weights[x] for x in sb)
            ws = math.fsum(max(fa.weights[x], fb.weights[x]) for x in shared)
            lexical = min(1.0, 2 * ws / (wa + wb)) if wa + wb > 0 else 0.0
            if lexical == 0.0:
                ka = [k for i in a_ids for k in fa.keys[i]]
                kb = [k for j in b_ids for k in fb.keys[j]]
                lexical = token_dice(ka, kb)
            semantic = None
            if cos is not None:
                vals = [cos[i, j] for i in a_ids for j in b_ids if cos[i, j] > -1.0]
                semantic = float(max(vals)) if vals else None
            if g in groups.cosine:
                semantic = max(semantic or -1.0, groups.cosine[g])
            score = max(lexical, semantic or 0.0, groups.containment.get(g, 0.0))
            out.append(
                SentencePair(tuple(a_ids), tuple(b_ids), float(score), float(lexical), semantic, via=groups.via(g))
            )
        out.sort(key=lambda p: (p.b[0], p.a[0]))
        return out


def is_title(fd: DocFeatures, tuning: MatchTuning) -> bool:
    """Whether the first sentence is a headline: a short first paragraph without a full stop."""
    sents = fd.segments.sentences
    if len(sents) < 2 or sents[1].paragraph == sents[0].paragraph:
        return False
    first = sents[0].norm.rstrip()
    return len(fd.keys[0]) <= tuning.title_max_tokens and not first.endswith((".", "!", "?", '"', "'"))


def isolated(groups: Groups, i: int, j: int) -> bool:
    """No aligned neighbour on either side: the pair would stand alone as a passage."""
    return not any(x in groups.of_a for x in (i - 1, i + 1)) and not any(y in groups.of_b for y in (j - 1, j + 1))


def adjacent(x: int, members: list[int], fd: DocFeatures) -> bool:
    """Next to a member, in the same paragraph (a title never joins the lead sentence)."""
    sents = fd.segments.sentences
    return any(abs(x - y) <= 1 and sents[x].paragraph == sents[y].paragraph for y in members)


def extend(al: Alignment, ok: Callable[[int, int], bool], how: str) -> None:
    """Walk outwards from every group, one sentence on each side at a time, while ``ok`` holds."""
    groups, n, m = al.groups, al.fa.n, al.fb.n
    for a_ids, b_ids, _ in list(groups.groups):
        for step, i, j in ((-1, min(a_ids) - 1, min(b_ids) - 1), (1, max(a_ids) + 1, max(b_ids) + 1)):
            while 0 <= i < n and 0 <= j < m and i not in groups.of_a and j not in groups.of_b and ok(i, j):
                groups.new(i, j, how)
                i += step
                j += step

