"""Word-level edits between aligned sentences: substitutions, insertions, deletions and moves.

The diff runs on token *keys* (case-folded, typography-folded), so curly quotes, no-break spaces
and case changes never show up as rewording; they are reported apart as typography edits, found
by comparing the raw text of tokens (and the gaps between them) that the diff calls equal.
A deleted run of words that reappears as an inserted run elsewhere is a *move*
("..., according to the report." -> "According to the report, ...").

When two runs swap places, the longer stays and the shorter moves, as a reader would say it:

>>> from retold.tokens import tokenize
>>> a = "Kofman said it, according to the report."
>>> b = "According to the report, Kofman announced it."
>>> [(e.op, e.a, e.b) for e in word_edits(tokenize(a), tokenize(b), a, b).wording]
[('move', 'Kofman said it', 'Kofman announced it'), ('substitute', 'said', 'announced')]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from retold.normalise import fold_typography
from retold.tokens import token_dice
from retold.types import Edit, EditOp, Span, Token

# Shortest run of words that counts as a moved clause rather than a coincidental repeat.
MIN_MOVE_TOKENS = 2
# One-sided words at the edge of an aligned group that are trimmed off the passage.
TRIM_MIN_TOKENS = 3


@dataclass(frozen=True, slots=True)
class EditSet:
    wording: tuple[Edit, ...]
    typography: tuple[Edit, ...]
    # Token similarity in [0, 1] (difflib ratio on keys): 1.0 means the same words in order.
    ratio: float
    substituted_tokens: int
    inserted_tokens: int
    deleted_tokens: int
    # The aligned core when one-sided material (>= TRIM_MIN_TOKENS, not moved) opens or closes
    # the group, e.g. a copied passage pasted into the middle of a sentence; None = everything.
    core_a: Span | None = None
    core_b: Span | None = None
    # The longest run of tokens the two sides share word for word (a quoted clause kept intact).
    longest_run: int = 0


def _text(toks: Sequence[Token], raw: str) -> str:
    return raw[toks[0].span.start : toks[-1].span.end] if toks else ""


def _cover(toks: Sequence[Token]) -> Span | None:
    return Span(toks[0].span.start, toks[-1].span.end) if toks else None


def word_edits(ta: Sequence[Token], tb: Sequence[Token], raw_a: str, raw_b: str) -> EditSet:
    """Edits that turn tokens ``ta`` (of ``raw_a``) into ``tb`` (of ``raw_b``)."""
    ka = [t.key for t in ta]
    kb = [t.key for t in tb]
    sm = SequenceMatcher(None, ka, kb, autojunk=False)
    ops = sm.get_opcodes()
    deletes: list[tuple[int, int]] = []
    inserts: list[tuple[int, int]] = []
    subs: list[tuple[int, int, int, int]] = []
    typo: list[Edit] = []
    op_ref: list[tuple[str, int]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            typo.extend(_typography(ta[i1:i2], tb[j1:j2], raw_a, raw_b))
            op_ref.append(("equal", -1))
        elif tag == "delete":
            op_ref.append(("delete", len(deletes)))
            deletes.append((i1, i2))
        elif tag == "insert":
            op_ref.append(("insert", len(inserts)))
            inserts.append((j1, j2))
        else:
            op_ref.append(("replace", len(subs)))
            subs.append((i1, i2, j1, j2))

    wording: list[tuple[int, Edit]] = []
    # Moves: a deleted run that reappears as an inserted run, identical or lightly edited
    # (token Dice >= 0.6). Replace ops take part too: their sides may be a moved clause.
    dels = [(i1, i2, k) for k, (i1, i2) in enumerate(deletes)] + [(i1, i2, -1 - k) for k, (i1, i2, _, _) in enumerate(subs)]
    inss = [(j1, j2, k) for k, (j1, j2) in enumerate(inserts)] + [(j1, j2, -1 - k) for k, (_, _, j1, j2) in enumerate(subs)]
    moved_del: set[int] = set()
    moved_ins: set[int] = set()
    for i1, i2, kd in dels:
        if i2 - i1 < MIN_MOVE_TOKENS or kd in moved_del:
            continue
        for j1, j2, ki in inss:
            if ki in moved_ins or (kd < 0 and ki == kd) or j2 - j1 < MIN_MOVE_TOKENS:
                continue
            same = ka[i1:i2] == kb[j1:j2]
            if same or (min(i2 - i1, j2 - j1) >= 3 and token_dice(ka[i1:i2], kb[j1:j2]) >= 0.6):
                moved_del.add(kd)
                moved_ins.add(ki)
                wording.append((min(i1, j1), Edit("move", _text(ta[i1:i2], raw_a), _text(tb[j1:j2], raw_b), _cover(ta[i1:i2]), _cover(tb[j1:j2]))))
                if not same:
                    inner = word_edits(ta[i1:i2], tb[j1:j2], raw_a, raw_b)
                    wording.extend((min(i1, j1), e) for e in inner.wording)
                break
    for k, (i1, i2) in enumerate(deletes):
        if k not in moved_del:
            wording.append((i1, Edit("delete", _text(ta[i1:i2], raw_a), "", _cover(ta[i1:i2]), None)))
    for k, (j1, j2) in enumerate(inserts):
        if k not in moved_ins:
            wording.append((j1, Edit("insert", "", _text(tb[j1:j2], raw_b), None, _cover(tb[j1:j2]))))
    for k, (i1, i2, j1, j2) in enumerate(subs):
        kk = -1 - k
        a_moved, b_moved = kk in moved_del, kk in moved_ins
        if a_moved and not b_moved:
            wording.append((j1, Edit("insert", "", _text(tb[j1:j2], raw_b), None, _cover(tb[j1:j2]))))
        elif b_moved and not a_moved:
            wording.append((i1, Edit("delete", _text(ta[i1:i2], raw_a), "", _cover(ta[i1:i2]), None)))
        elif not a_moved and not b_moved:
            wording.append((i1, Edit("substitute", _text(ta[i1:i2], raw_a), _text(tb[j1:j2], raw_b), _cover(ta[i1:i2]), _cover(tb[j1:j2]))))
    wording.sort(key=lambda x: x[0])
    ins_n = sum(j2 - j1 for n, (j1, j2) in enumerate(inserts) if n not in moved_ins)
    del_n = sum(i2 - i1 for n, (i1, i2) in enumerate(deletes) if n not in moved_del)
    # Trim one-sided, unmoved material off both ends of the group.
    lo_a, lo_b, hi_a, hi_b = 0, 0, len(ta), len(tb)

    def one_sided(k: int) -> bool:
        kind, n = op_ref[k]
        tag, i1, i2, j1, j2 = ops[k]
        if kind == "delete" and n not in moved_del:
            return i2 - i1 >= TRIM_MIN_TOKENS
        if kind == "insert" and n not in moved_ins:
            return j2 - j1 >= TRIM_MIN_TOKENS
        return False

    k = 0
    while k < len(ops) and one_sided(k):
        lo_a, lo_b = ops[k][2], ops[k][4]
        k += 1
    k_end = len(ops) - 1
    while k_end > k and one_sided(k_end):
        hi_a, hi_b = ops[k_end][1], ops[k_end][3]
        k_end -= 1
    if (lo_a, hi_a, lo_b, hi_b) != (0, len(ta), 0, len(tb)) and lo_a < hi_a and lo_b < hi_b:
        # The edges are material of one side only: describe the aligned core alone, when the core
        # is word-for-word reuse (a paraphrase keeps its whole sentences).
        core = word_edits(ta[lo_a:hi_a], tb[lo_b:hi_b], raw_a, raw_b)
        if core.ratio < 0.6:
            lo_a, hi_a, lo_b, hi_b = 0, len(ta), 0, len(tb)
        else:
            return dataclasses.replace(
                core,
                core_a=core.core_a or Span(ta[lo_a].span.start, ta[hi_a - 1].span.end),
                core_b=core.core_b or Span(tb[lo_b].span.start, tb[hi_b - 1].span.end),
            )
    return EditSet(
        wording=tuple(e for _, e in wording),
        typography=tuple(typo),
        ratio=sm.ratio() if (ka or kb) else 1.0,
        substituted_tokens=sum(max(i2 - i1, j2 - j1) for i1, i2, j1, j2 in subs),
        inserted_tokens=ins_n,
        deleted_tokens=max(0, del_n),
        longest_run=max((i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal"), default=0),
    )


_MIRROR_OP: dict[str, EditOp] = {"insert": "delete", "delete": "insert", "substitute": "substitute", "move": "move"}


def mirrored(es: EditSet) -> EditSet:
    """The same edits seen from the other side: ``mirrored(word_edits(tb, ta, rb, ra))`` describes
    a -> b (inserts become deletes, each edit's sides swap). difflib's matching blocks depend on
    which sequence comes first, so a caller that wants one answer either way round computes in a
    fixed order and mirrors."""

    def flip(e: Edit) -> Edit:
        return Edit(_MIRROR_OP[e.op], e.b, e.a, e.b_span, e.a_span)

    return EditSet(
        wording=tuple(map(flip, es.wording)),
        typography=tuple(map(flip, es.typography)),
        ratio=es.ratio,
        substituted_tokens=es.substituted_tokens,
        inserted_tokens=es.deleted_tokens,
        deleted_tokens=es.inserted_tokens,
        core_a=es.core_b,
        core_b=es.core_a,
        longest_run=es.longest_run,
    )


def _typography(ta: Sequence[Token], tb: Sequence[Token], raw_a: str, raw_b: str) -> list[Edit]:
    """Differences in equal runs that normalisation removes: quotes, spaces, dashes, case."""
    out: list[Edit] = []
    for k, (x, y) in enumerate(zip(ta, tb, strict=True)):
        rx, ry = x.span.of(raw_a), y.span.of(raw_b)
        if rx != ry:
            out.append(Edit("substitute", rx, ry, x.span, y.span))
        if k + 1 < len(ta):
            gx = Span(x.span.end, ta[k + 1].span.start)
            gy = Span(y.span.end, tb[k + 1].span.start)
            sx, sy = gx.of(raw_a), gy.of(raw_b)
            if sx != sy and fold_typography(sx) == fold_typography(sy):
                if not sx.strip() and not sy.strip() and ("\n" in sx or "\n" in sy):
                    continue  # a paragraph break moved: layout, reported with the repaired breaks
                out.append(Edit("substitute", sx, sy, gx, gy))
    return out
