"""A readable terminal report of one comparison (rich; plain text when not on a terminal)."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from retold.report.terminal import printable
from retold.types import Comparison, Document, Span

TYPE_STYLE = {
    "verbatim": "bold red",
    "near-verbatim": "red",
    "spun": "dark_orange",
    "paraphrased": "magenta",
    "summarised": "blue",
}
VERDICT_STYLE = {"copy": "bold white on red", "partial-reuse": "bold black on yellow", "same-story": "bold white on blue", "unrelated": "bold white on green"}


def _snippet(text: str, span: Span, width: int = 70) -> str:
    s = printable(" ".join(span.of(text).split()), newlines=False)
    return s if len(s) <= width else s[: width - 1] + "…"


def _doc_line(side: str, d: Document) -> str:
    date = d.date.isoformat() if d.date else "no date"
    title = f" — {d.title}" if d.title else ""
    return printable(f"{side}: {d.id} ({date}, {len(d.text):,} chars){title}", newlines=False)


def render(c: Comparison, *, max_edits: int = 40) -> Group:
    """The report as rich renderables."""
    parts: list[object] = []
    head = Text()
    head.append(f" {c.verdict.upper()} ", style=VERDICT_STYLE.get(c.verdict, "bold"))
    if c.probabilities:  # the learned decision: the degree and the calibrated P(reuse)
        head.append(f"  {c.degree} derived · P(reuse) {c.probabilities.get('reuse', 0.0):.2f}\n")
    else:
        head.append(f"  confidence {c.confidence:.2f}\n")
    head.append(_doc_line("a", c.a) + "\n" + _doc_line("b", c.b) + "\n")
    at = c.attribution
    if at.source:
        src_doc = c.a if at.source == "a" else c.b
        head.append(f"source: {at.source} ({printable(src_doc.id, newlines=False)})", style="bold")
        head.append(f"  confidence {at.confidence:.2f}, decided by {at.method}\n")
    else:
        head.append("source: undetermined\n", style="bold")
    head.append(f"why: {printable(at.reason, newlines=False)}\n")
    head.append(f"reuse: {c.reuse_a:.0%} of a is reused in b · {c.reuse_b:.0%} of b is taken from a")
    for side in c.truncated:
        seg = c.a_segments if side == "a" else c.b_segments
        head.append(f"\nnote: {side} has more sentences than segment.max_sentences; only its first "
                    f"{len(seg.sentences):,} were compared", style="yellow")
    parts.append(Panel(head, title="retold compare", expand=False))

    if c.passages:
        t = Table(title="Reused passages", show_lines=False, expand=False)
        for col in ("#", "type", "a span", "b span", "score", "b text"):
            t.add_column(col)
        for k, p in enumerate(c.passages, 1):
            t.add_row(
                str(k),
                Text(p.type, style=TYPE_STYLE.get(p.type, "")),
                f"[{p.a.start}, {p.a.end})",
                f"[{p.b.start}, {p.b.end})",
                f"{p.score:.2f}",
                escape(_snippet(c.b.text, p.b)),
            )
        parts.append(t)
        for k, p in enumerate(c.passages, 1):
            if not p.edits and not p.typography:
                continue
            lines = Text()
            for e in p.edits[:max_edits]:
                e = replace(e, a=printable(e.a, newlines=False), b=printable(e.b, newlines=False))
                lines.append(f"  {e.op:<10} ", style="bold")
                if e.op == "substitute":
                    lines.append(e.a, style="red strike")
                    lines.append(" → ")
                    lines.append(e.b, style="green")
                elif e.op == "insert":
                    lines.append("+ " + e.b, style="green")
                elif e.op == "delete":
                    lines.append("- " + e.a, style="red")
                else:
                    lines.append(f'"{e.a}"', style="cyan")
                    if e.b.casefold() != e.a.casefold():
                        lines.append(f' → "{e.b}"', style="cyan")
                    lines.append(" (clause moved)")
                lines.append("\n")
            if len(p.edits) > max_edits:
                lines.append(f"  … {len(p.edits) - max_edits} more (see --json)\n")
            if p.typography:
                kinds = sorted({_typo_kind(e.a, e.b) for e in p.typography})
                lines.append(f"  typography only: {len(p.typography)} changes ({', '.join(kinds)})\n", style="dim")
            parts.append(Panel(lines, title=f"passage {k}: word edits ({len(p.edits)})", expand=False))
    for label, spans, doc, side in (("Added in b", c.added, c.b, "b"), ("Dropped from a", c.dropped, c.a, "a")):
        if spans:
            t = Table(title=f"{label} ({len(spans)})", expand=False)
            t.add_column(f"{side} span")
            t.add_column("chars")
            t.add_column("text")
            for sp in spans:
                t.add_row(f"[{sp.start}, {sp.end})", str(len(sp)), escape(_snippet(doc.text, sp)))
            parts.append(t)
    for side, seg, doc in (("a", c.a_segments, c.a), ("b", c.b_segments, c.b)):
        if seg.repaired_breaks:
            snips = "; ".join(
                repr(doc.text[max(0, s.start - 20) : s.end + 20]) for s in seg.repaired_breaks[:4]
            )
            parts.append(Text(f"{len(seg.repaired_breaks)} paragraph break(s) inside sentences repaired in {side}: {snips}", style="dim"))
    return Group(*parts)  # type: ignore[arg-type]


def _typo_kind(a: str, b: str) -> str:
    if a.casefold() == b.casefold() and a != b:
        return "case"
    if any(ch in a + b for ch in "\u2018\u2019\u201c\u201d\"'"):
        return "quotes"
    if any(ch in a + b for ch in "\u2013\u2014-"):
        return "dashes"
    return "spaces"


def print_report(c: Comparison, *, console: Console | None = None) -> None:
    (console or Console()).print(render(c))
