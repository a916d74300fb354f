"""The headline pass: a reworded or spun headline aligns with the other article's headline.

A spinner or a sub-editor rewrites the headline harder than any body sentence ("Jowell rejects
'Las Vegas' jibe" -> "Jowell dismisses 'Las Vegas' taunt"), so it often misses the body's
thresholds. Once the bodies share enough text to be a pair (``headline_min_groups`` aligned
groups), two free headlines are aligned when they share a little (``headline_dice`` of content
weight, or ``headline_cosine``): a headline only ever pairs with the other headline.
"""

from __future__ import annotations

import numpy as np

from .alignment import Alignment


def headlines(al: Alignment) -> None:
    """Pair the two headlines when the bodies are already aligned (see the module docstring)."""
    t, groups = al.tuning, al.groups
    if not (al.title_a and al.title_b) or 0 in groups.of_a or 0 in groups.of_b:
        return
    body_groups = sum(1 for a_ids, b_ids, _ in groups.groups if 0 not in a_ids and 0 not in b_ids)
    if body_groups < t.headline_min_groups:
        return
    if al.lex.overlap[0, 0] > 0 and al.lex.dice[0, 0] >= t.headline_dice:
        groups.new(0, 0, "headline")
        return
    cos = _headline_cosine(al)
    if cos is not None and cos >= t.headline_cosine:
        groups.new(0, 0, "headline")
        if al.cos is not None:
            al.cos[0, 0] = cos


def _headline_cosine(al: Alignment) -> float | None:
    if al.cos is not None and al.cos[0, 0] > -1.0:
        return float(al.cos[0, 0])
    if not al.settings.semantic:
        return None
    if al.vectors_a is not None and al.vectors_b is not None:
        return float(al.vectors_a[0] @ al.vectors_b[0])
    if al.embedder is None:
        return None
    v = al.embedder.encode([al.fa.sentence_text(0), al.fb.sentence_text(0)])
    return float(np.dot(v[0], v[1]))
