"""A self-contained HTML report: the two articles side by side, passages colour-coded by reuse
type, word edits marked, added and dropped text shaded. All article text is escaped; the page
loads nothing from the network. Clicking a passage highlights its partner.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from retold.types import Comparison, SentencePair, Span

COLOURS = {
    "verbatim": "#f8c4c4",
    "near-verbatim": "#fbd3b0",
    "spun": "#fde9a9",
    "paraphrased": "#d9c9f2",
    "summarised": "#c6ddf5",
}

CSS = """
body{font:15px/1.55 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:16px 24px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:20px;margin:0 0 6px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:700;color:#fff;text-transform:uppercase}
.v-copy{background:#c62828}.v-partial-reuse{background:#ef8f00}.v-same-story{background:#1565c0}.v-unrelated{background:#2e7d32}
.meta{color:#555;font-size:14px;margin:4px 0}
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;border-radius:3px;font-size:13px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px;padding:16px 24px}
.doc{background:#fff;border:1px solid #ddd;border-radius:6px;padding:14px 18px;white-space:pre-wrap;word-wrap:break-word}
.doc h2{font-size:15px;margin:0 0 8px;white-space:normal}
.p{border-radius:2px;cursor:pointer}
.p.active{outline:2px solid #333}
.sub{text-decoration:underline wavy #b71c1c;text-underline-offset:3px}
.ins{background:#b9f6ca !important}
.del{background:#ffcdd2 !important;text-decoration:line-through}
.move{text-decoration:underline double #1565c0}
.added{background:#e8f5e9;color:#1b5e20}
.dropped{background:#eeeeee;color:#616161}
table{border-collapse:collapse;font-size:13px;margin:0 24px 24px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
"""

JS = """
document.querySelectorAll('.p').forEach(function(el){
  el.addEventListener('click',function(){
    var k=el.getAttribute('data-p');
    document.querySelectorAll('.p').forEach(function(x){x.classList.toggle('active',x.getAttribute('data-p')===k);});
    var other=document.querySelector('.p[data-p="'+k+'"][data-side="'+(el.getAttribute('data-side')==='a'?'b':'a')+'"]');
    if(other){other.scrollIntoView({behavior:'smooth',block:'center'});}
  });
});
"""


def _marks(text: str, side: str, c: Comparison) -> str:
    """The text of one side as escaped HTML with passage, edit and added/dropped marks."""
    n = len(text)
    passage = [-1] * n
    pair = [-1] * n  # index into pairs: the sentence pair a character belongs to
    pairs: list[SentencePair] = []
    edit = [""] * n
    extra = [""] * n
    sentences = (c.a_segments if side == "a" else c.b_segments).sentences
    for k, p in enumerate(c.passages):
        sp = p.a if side == "a" else p.b
        for i in range(sp.start, min(sp.end, n)):
            passage[i] = k
        for q in p.pairs:
            pairs.append(q)
            for idx in q.a if side == "a" else q.b:
                s = sentences[idx].span
                for i in range(max(s.start, sp.start), min(s.end, sp.end, n)):
                    pair[i] = len(pairs) - 1
        for e in p.edits:
            es = e.a_span if side == "a" else e.b_span
            if es is None:
                continue
            cls = {"substitute": "sub", "insert": "ins", "delete": "del", "move": "move"}[e.op]
            for i in range(es.start, min(es.end, n)):
                edit[i] = cls
    spans: Sequence[Span] = c.dropped if side == "a" else c.added
    for sp in spans:
        for i in range(sp.start, min(sp.end, n)):
            extra[i] = "dropped" if side == "a" else "added"
    out: list[str] = []
    i = 0
    while i < n:
        j = i + 1
        while j < n and passage[j] == passage[i] and pair[j] == pair[i] and edit[j] == edit[i] and extra[j] == extra[i]:
            j += 1
        chunk = html.escape(text[i:j])
        classes = []
        attrs = ""
        if passage[i] >= 0:
            p = c.passages[passage[i]]
            classes.append("p")
            tip = f"passage {passage[i] + 1}: {p.type}, score {p.score:.2f}"
            if pair[i] >= 0:  # the sentence pair under the pointer, and the matcher pass that made it
                q = pairs[pair[i]]
                cosine = "" if q.semantic is None else f", cosine {q.semantic:.2f}"
                tip += f" · sentences via {q.via or 'unknown'}: lexical {q.lexical:.2f}{cosine}"
            attrs = f' data-p="{passage[i]}" data-side="{side}" style="background:{COLOURS[p.type]}" title="{html.escape(tip)}"'
        if edit[i]:
            classes.append(edit[i])
        if extra[i]:
            classes.append(extra[i])
        out.append(f'<span class="{" ".join(classes)}"{attrs}>{chunk}</span>' if classes else chunk)
        i = j
    return "".join(out)


def render_html(c: Comparison, *, title: str = "retold compare") -> str:
    """The whole report page as a string."""
    at = c.attribution
    src = f"{at.source} ({(c.a if at.source == 'a' else c.b).id})" if at.source else "undetermined"
    legend = "".join(f'<span style="background:{col}">{t}</span>' for t, col in COLOURS.items())
    legend += '<span class="added">added in b</span><span class="dropped">dropped from a</span>'
    rows = []
    for k, p in enumerate(c.passages, 1):
        for e in p.edits:
            rows.append(
                f"<tr><td>{k}</td><td>{e.op}</td><td>{html.escape(e.a)}</td><td>{html.escape(e.b)}</td></tr>"
            )

    def head(side: str) -> str:
        d = c.a if side == "a" else c.b
        date = d.date.isoformat() if d.date else "no date"
        return f"<h2>{side}: {html.escape(d.id)} · {date}{' · ' + html.escape(d.title) if d.title else ''}</h2>"

    dropped_rows = "".join(
        f"<tr><td>{html.escape(r.filter)}</td><td>{r.passage.type}</td><td>{r.passage.score:.2f}</td>"
        f"<td>{html.escape(r.passage.b.of(c.b.text)[:160])}</td></tr>"
        for r in c.rejected
    )
    rejected = (
        f'<details class="rejected"><summary>{len(c.rejected)} proposed passage(s) not reported, with the filter '
        f"that dropped each</summary><table><tr><th>filter</th><th>type</th><th>score</th><th>b text</th></tr>"
        f"{dropped_rows}</table></details>"
        if c.rejected
        else ""
    )
    decision = (
        f'<b>{html.escape(c.degree)}</b> derived · P(reuse) {c.probabilities.get("reuse", 0.0):.2f}'
        if c.probabilities
        else f"confidence {c.confidence:.2f}"
    )
    data = json.dumps({"verdict": c.verdict, "degree": c.degree, "source": at.source}).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{html.escape(title)}</title><style>{CSS}</style></head>
<body><header><h1>{html.escape(title)}</h1>
<div><span class="verdict v-{c.verdict}">{c.verdict}</span> {decision}</div>
<p class="meta"><b>source:</b> {html.escape(src)} (confidence {at.confidence:.2f}) — {html.escape(at.reason)}</p>
<p class="meta"><b>reuse:</b> {c.reuse_a:.0%} of a is reused in b · {c.reuse_b:.0%} of b is taken from a ·
{len(c.passages)} passage(s), {sum(len(p.edits) for p in c.passages)} word edits,
{sum(len(p.typography) for p in c.passages)} typography-only changes</p>
<div class="legend">{legend}</div></header>
<div class="cols"><div class="doc" id="doc-a">{head("a")}{_marks(c.a.text, "a", c)}</div>
<div class="doc" id="doc-b">{head("b")}{_marks(c.b.text, "b", c)}</div></div>
<table><tr><th>passage</th><th>edit</th><th>a</th><th>b</th></tr>{"".join(rows)}</table>
{rejected}
<script type="application/json" id="retold-data">{data}</script>
<script>{JS}</script></body></html>
"""
