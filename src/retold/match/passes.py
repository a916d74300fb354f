"""The matcher's passes, in the order they run: :data:`PASSES`.

Each pass is a function of one :class:`~retold.match.alignment.Alignment` that grows its groups;
its numbers live in :class:`retold.config.MatchTuning`. Evidence comes strongest first: lexical
anchors, then neighbours in step with them, then (only where it can still change the answer)
embeddings, then the summary rules that fill what lies between aligned groups. A bench can run a
subset: ``match_sentences(fa, fb, passes=without("sandwiches"))``.

>>> [p.name for p in PASSES][:3]
['lexical_anchors', 'extension', 'embedding']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from retold.errors import ConfigError

from .alignment import Alignment
from .headline import headlines
from .lexical import extension, lexical_anchors, sandwiches
from .semantic import embedding, semantic_extension, semantic_joins, semantic_pairs
from .summary import summary_chain, summary_gaps, widen_weak_singles


@dataclass(frozen=True, slots=True)
class Pass:
    """One named pass: ``run(alignment)`` grows the alignment's groups in place."""

    name: str
    run: Callable[[Alignment], None]


def mirrored(run: Callable[[Alignment], None]) -> Callable[[Alignment], None]:
    """The pass with a and b swapped (a rule written for "b condenses a" run for "a condenses b")."""

    def on_mirror(al: Alignment) -> None:
        run(al.mirrored())

    on_mirror.__doc__ = f"{run.__name__}, with a and b swapped."
    return on_mirror


PASSES: tuple[Pass, ...] = (
    # 1. Lexical anchors by rarity-weighted content overlap, with their splits and joins.
    Pass("lexical_anchors", lexical_anchors),
    # 2. Neighbours of groups, in step, on all tokens.
    Pass("extension", extension),
    # 3. Embed what is still unmatched and shares something (the slow step, skipped when idle).
    Pass("embedding", embedding),
    Pass("semantic_pairs", semantic_pairs),
    Pass("semantic_extension", semantic_extension),
    Pass("semantic_joins", semantic_joins),
    Pass("summary_chain", summary_chain),
    # 4. A lone sentence on each side between two groups.
    Pass("sandwiches", sandwiches),
    # 5. Summary sentences fusing several source sentences, b condensing a and a condensing b.
    Pass("widen_weak_singles", widen_weak_singles),
    Pass("widen_weak_singles_mirrored", mirrored(widen_weak_singles)),
    Pass("summary_gaps", summary_gaps),
    Pass("summary_gaps_mirrored", mirrored(summary_gaps)),
    # 6. Reworded headlines, once the bodies are aligned.
    Pass("headlines", headlines),
)


def without(*names: str) -> tuple[Pass, ...]:
    """:data:`PASSES` less the named ones (unknown names are an error, so a typo cannot pass)."""
    known = {p.name for p in PASSES}
    unknown = set(names) - known
    if unknown:
        raise ConfigError(f"unknown pass(es) {', '.join(sorted(unknown))}; passes are: {', '.join(p.name for p in PASSES)}")
    return tuple(p for p in PASSES if p.name not in names)


def run_passes(al: Alignment, passes: tuple[Pass, ...] = PASSES) -> Alignment:
    """Run ``passes`` in order over ``al``; returns it."""
    for p in passes:
        p.run(al)
    return al
