"""Which article is the source, and why.

Dates decide when both articles have different ones. Otherwise the text is weighed:

* **spin** — a spinner swaps common words for rarer ones (said→announced, added→explained,
  estimated→evaluated): for single-word substitutions, the side using the rarer word (by Zipf
  frequency) reads as the rewritten one; a common reporting verb replaced by an uncommon one counts
  double;
* **added material** — a republished copy tends to pad a shared core with background (weak, and
  only counted when both sides have text of their own: a strict subset says nothing about order);
* **one date only** — the dated side is likelier to be the original (republishers drop metadata),
  weak evidence on its own;
* **condensation** — a summary sums several source sentences up in one of its own: when two or
  more aligned groups join several sentences of one side into a much shorter sentence of the
  other (under 70% of their length) and no group does the reverse, the condensed side is the copy.
  A spinner's joins keep the length, and its splits go both ways, so they do not count.

The evidence is summed into a score; its size gives a confidence, and below
``min_source_confidence`` the answer is ``undetermined`` (``source=None``): a guess is never
presented as a fact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from retold.tokens import STOPWORDS, zipf
from retold.types import Attribution, Document, Edit, Side

REPORTING_VERBS = frozenset(
    "said says say told tells added adds stated states reported reports according asked noted".split()
)
# Weights of the evidence, in units of the score z; confidence = 0.5 + 0.5 * tanh(|z|).
W_SPIN = 1.2
W_REPORTING = 0.5
# Each of these two alone stays below the 0.6 confidence bar (tanh(0.2) / 2 + 0.5 < 0.6).
W_EXTRAS = 0.15
W_ONE_DATE = 0.2
# Fewer single-word swaps than this say nothing about direction (paraphrases make a few by chance).
MIN_SPIN_SUBSTITUTIONS = 3
# Condensing groups (several sentences summed up in one much shorter) needed, and their weight:
# alone it gives confidence 0.5 + 0.5 * tanh(0.7) = 0.80.
MIN_CONDENSED = 2
W_CONDENSE = 0.7


@dataclass(frozen=True, slots=True)
class SpinEvidence:
    """Single-word substitutions: how many read as a → b spin (b rarer) and b → a."""

    toward_b: tuple[tuple[str, str], ...]  # (a word, b word) where b's word is rarer
    toward_a: tuple[tuple[str, str], ...]
    reporting_b: int  # a reporting verb in a replaced by a non-reporting word in b
    reporting_a: int


def spin_evidence(edits: Sequence[Edit]) -> SpinEvidence:
    tb: list[tuple[str, str]] = []
    ta: list[tuple[str, str]] = []
    rb = ra = 0
    for e in edits:
        if e.op != "substitute":
            continue
        wa, wb = e.a.strip().casefold(), e.b.strip().casefold()
        if " " in wa or " " in wb or not wa.isalpha() or not wb.isalpha() or wa == wb:
            continue
        if wa in STOPWORDS or wb in STOPWORDS:
            continue  # in→at, the→her: grammar, not a spinner's thesaurus
        d = zipf(wa) - zipf(wb)
        if d > 0.15:
            tb.append((e.a, e.b))
        elif d < -0.15:
            ta.append((e.a, e.b))
        if wa in REPORTING_VERBS and wb not in REPORTING_VERBS:
            rb += 1
        elif wb in REPORTING_VERBS and wa not in REPORTING_VERBS:
            ra += 1
    return SpinEvidence(tuple(tb), tuple(ta), rb, ra)


def attribute(
    a: Document,
    b: Document,
    edits: Sequence[Edit],
    *,
    added_a_share: float,
    added_b_share: float,
    condensed_a: int = 0,
    condensed_b: int = 0,
    min_confidence: float = 0.6,
) -> Attribution:
    """Decide the source from dates, or from the textual evidence (module docstring)."""
    if a.date and b.date and a.date != b.date:
        src: Side = "a" if a.date < b.date else "b"
        first, later = (a, b) if src == "a" else (b, a)
        return Attribution(
            source=src,
            confidence=0.95,
            reason=f"{src} is dated {first.date}, before {'b' if src == 'a' else 'a'} ({later.date})",
            method="dates",
            evidence=(f"dates: a={a.date}, b={b.date}",),
        )

    z = 0.0
    evidence: list[str] = []
    spin = spin_evidence(edits)
    n_spin = len(spin.toward_b) + len(spin.toward_a)
    balance = (len(spin.toward_b) - len(spin.toward_a)) / n_spin if n_spin else 0.0
    if n_spin >= MIN_SPIN_SUBSTITUTIONS and abs(balance) >= 0.5:
        z += W_SPIN * balance * min(1.0, n_spin / 5)
        side, pairs = ("b", spin.toward_b) if balance >= 0 else ("a", spin.toward_a)
        examples = ", ".join(f"{x}→{y}" if side == "b" else f"{y}→{x}" for x, y in pairs[:5])
        evidence.append(
            f"{side}'s wording reads as the spun one: {len(pairs)} of {n_spin} word substitutions "
            f"put a rarer word in {side} ({examples})"
        )
    if spin.reporting_b or spin.reporting_a:
        z += W_REPORTING * math.copysign(min(2, abs(spin.reporting_b - spin.reporting_a)), spin.reporting_b - spin.reporting_a)
        if spin.reporting_b != spin.reporting_a:
            side = "b" if spin.reporting_b > spin.reporting_a else "a"
            evidence.append(f"{side} replaces common reporting verbs (said, added, told) with unusual ones")
    condensed = max(condensed_a, condensed_b) >= MIN_CONDENSED and min(condensed_a, condensed_b) == 0
    if condensed:
        side, other, n = ("b", "a", condensed_b) if condensed_b else ("a", "b", condensed_a)
        z += W_CONDENSE if side == "b" else -W_CONDENSE
        evidence.append(f"{side} condenses {other}: {n} of its sentences each sum up several of {other}'s")
    extras = added_b_share - added_a_share
    # When one side is a strict subset of the other (an excerpt, or a copy padded with background),
    # either could have come first: that shape is evidence only when both sides have own text.
    # A summary leaves most of its source unaligned: condensation explains that material.
    if not condensed and abs(extras) >= 0.05 and min(added_a_share, added_b_share) >= 0.03:
        z += W_EXTRAS * max(-1.0, min(1.0, extras * 4))
        side = "b" if extras > 0 else "a"
        share = max(added_b_share, added_a_share)
        evidence.append(f"{side} carries added material around the shared text ({share:.0%} of {side} is not in the other)")
    if bool(a.date) != bool(b.date):
        dated = "a" if a.date else "b"
        z += W_ONE_DATE if dated == "a" else -W_ONE_DATE
        evidence.append(f"only {dated} is dated ({(a.date or b.date)}); the other has no date")
    elif a.date and b.date and a.date == b.date:
        evidence.append(f"both are dated {a.date}: the dates do not decide")

    confidence = 0.5 + 0.5 * math.tanh(abs(z))
    if not evidence or confidence < min_confidence:
        why = "; ".join(evidence) if evidence else "no dates and no directional evidence in the text"
        return Attribution(None, round(confidence, 4), f"undetermined: the evidence is weak ({why})", "none", tuple(evidence))
    src = "a" if z > 0 else "b"
    return Attribution(
        source=src,
        confidence=round(confidence, 4),
        reason=f"{src} is probably the source: " + "; ".join(evidence),
        method="text",
        evidence=tuple(evidence),
    )
