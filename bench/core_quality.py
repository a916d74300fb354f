"""Core compare quality on rewritten BBC articles and on unrelated same-topic pairs (issue 2).

    .venv/bin/python bench/core_quality.py [--per-kind 6] [--negatives 200] [--seed 2] \
        [--lexical-only] [--details FILE.json]

* **Rewritten copies.** For each kind in :data:`core_gold.KINDS` (excerpt, reorder, spin, ...),
  ``--per-kind`` BBC articles are rewritten at run time by bench/core_gold.py with exact gold
  spans; the hand-written paragraph-by-paragraph paraphrases in bench/handwritten/ are added as
  the kind ``paraphrase``. ``retold.compare(source, copy)`` runs with default settings (the real
  MiniLM model). Predicted reuse = the union of passage spans; gold = the union of gold spans;
  precision, recall and F1 count non-whitespace characters, in a (source), in b (copy) and both
  pooled, micro-averaged per kind and overall.
* **Negatives.** ``--negatives`` random pairs of different articles from the same topic (seeded),
  skipping pairs whose normalised texts are identical (the corpus has 98 duplicate groups): the
  verdict distribution, and how many are ``copy`` (target: none).

Reads ../shared/data/bbc-news (exits with a message when it is missing). No BBC text is stored in
the repository: copies are built in memory, and ``--details`` (per-pair missed and false-positive
spans with their text, for diagnosis) should be written outside it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import core_gold as cg

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "bbc-news"
HANDWRITTEN = ROOT / "bench" / "handwritten"
TOPICS = ("business", "entertainment", "politics", "sport", "tech")


CORE_MODULES = ("normalise", "segment", "tokens", "match", "align", "edits", "attribute", "pipeline", "embed")


def git_state() -> str:
    """The commit measured, and the core files with uncommitted edits (the tree is shared)."""
    import subprocess

    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return r.stdout.strip()

    core = [p for m in CORE_MODULES for p in (f"src/retold/{m}.py", f"src/retold/{m}/")]  # module or package
    dirty = [line[3:] for line in git("status", "--porcelain", "--", *core).splitlines()]
    return git("rev-parse", "--short", "HEAD") + (
        f" + uncommitted edits in {', '.join(dirty)}" if dirty else ""
    )


def read_bbc(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # sport/199.txt is latin-1
        text = raw.decode("latin-1")
    return text.rstrip()


def norm_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def load_corpus() -> dict[str, str]:
    return {f"{p.parent.name}/{p.name}": read_bbc(p) for p in sorted(DATA.glob("*/*.txt"))}


def duplicate_ids(corpus: dict[str, str]) -> set[str]:
    groups: dict[str, list[str]] = defaultdict(list)
    for k, t in corpus.items():
        groups[norm_key(t)].append(k)
    return {k for g in groups.values() if len(g) > 1 for k in g}


def build_set(corpus: dict[str, str], *, per_kind: int, seed: int) -> list[dict[str, Any]]:
    """The generated copies plus the hand-written paraphrases: dicts with a, b, gold, kind."""
    rng = random.Random(seed)
    dups = duplicate_ids(corpus)
    ok = [
        k
        for k, t in corpus.items()
        if k not in dups and 150 <= len(t.split()) <= 700 and len(cg.Article.parse(k, t).paragraphs) >= 5
    ]
    rng.shuffle(ok)
    items: list[dict[str, Any]] = []
    it = iter(ok)
    for kind in cg.KINDS:
        for _ in range(per_kind):
            aid = next(it)
            art = cg.Article.parse(aid, corpus[aid])
            others = [k for k in ok if not k.startswith(aid.split("/")[0] + "/")]
            oid = rng.choice(others)
            copy = cg.make_copy(
                kind, art, cg.Article.parse(oid, corpus[oid]), random.Random(f"{seed}:{aid}:{kind}")
            )
            items.append(
                {"kind": kind, "a_id": aid, "other": oid, "a": art.text, "b": copy.text, "gold": copy.gold}
            )
    for f in sorted(HANDWRITTEN.glob("*.json")):
        spec = json.loads(f.read_text(encoding="utf-8"))
        art = cg.Article.parse(spec["source"], corpus[spec["source"]])
        copy = cg.handwritten_copy(art, spec["paragraphs"], spec["alignment"])
        items.append(
            {
                "kind": "paraphrase",
                "a_id": spec["source"],
                "other": None,
                "a": art.text,
                "b": copy.text,
                "gold": copy.gold,
            }
        )
    return items


SYNTH_KINDS = ("spin", "summary", "edits", "typography", "dropped", "rewrite")


def build_synth_set(corpus: dict[str, str], *, per_kind: int, seed: int) -> list[dict[str, Any]]:
    """Copies from ``retold.synth.copies`` (issue 3's generator: WordNet spin, summaries, copy edits).

    Optional and defensive: that module is someone else's and may change; when its API does not
    fit, this says so and returns nothing instead of failing the bench.
    """
    try:
        from retold import synth
        from retold.synth.wordnet import WordNet

        thesaurus = WordNet.open()
    except Exception as exc:  # any failure means: skip the optional part
        print(f"synth kinds skipped: {exc}", file=sys.stderr)
        return []
    rng = random.Random(seed + 101)
    dups = duplicate_ids(corpus)
    ids = [k for k, t in corpus.items() if k not in dups and 150 <= len(t.split()) <= 700]
    rng.shuffle(ids)
    items: list[dict[str, Any]] = []
    it = iter(ids)
    for obf in SYNTH_KINDS:
        for _ in range(per_kind):
            aid = next(it)
            text = corpus[aid]
            title = text.split("\n", 1)[0].strip()
            other_id = next(k for k in ids if k.split("/")[0] != aid.split("/")[0])
            try:
                art = synth.Article(aid, text, topic=aid.split("/")[0], title=title)
                others = [synth.Article(other_id, corpus[other_id], topic="x", title=None)]
                d = synth.derive(
                    art,
                    obf,
                    random.Random(f"{seed}:{aid}:{obf}"),
                    doc_id="copy",
                    others=others,
                    thesaurus=thesaurus,
                )
                gold = tuple(
                    cg.Gold(c.source.start, c.source.end, c.this.start, c.this.end)
                    for c in d.cases
                    if c.source_id == aid
                )
            except Exception as exc:
                print(f"synth kind {obf} skipped: {exc}", file=sys.stderr)
                break
            items.append(
                {"kind": f"synth:{obf}", "a_id": aid, "other": other_id, "a": text, "b": d.text, "gold": gold}
            )
    return items


def negative_pairs(corpus: dict[str, str], *, n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed * 7919 + 1)
    by_topic: dict[str, list[str]] = defaultdict(list)
    for k in corpus:
        by_topic[k.split("/")[0]].append(k)
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    skipped = 0
    while len(out) < n:
        topic = rng.choice(TOPICS)
        x, y = rng.sample(by_topic[topic], 2)
        if (x, y) in seen:
            continue
        seen.add((x, y))
        if norm_key(corpus[x]) == norm_key(corpus[y]):
            skipped += 1
            continue
        out.append((x, y))
    print(f"negatives: {n} pairs, {skipped} identical pairs skipped", file=sys.stderr)
    return out


def snippet(text: str, s: int, e: int, width: int = 160) -> str:
    t = text[s:e].replace("\n", " ¶ ")
    return t if len(t) <= width else t[: width // 2] + " … " + t[-width // 2 :]


def aligned_counts(item: dict[str, Any], c: Any) -> tuple[cg.Counts, cg.Counts]:
    """Stricter than the union of spans: a character counts only when the sentence group that
    covers it is aligned to where it really came from (its gold counterpart overlaps the group's
    other side). Catches right-spans-wrong-partner alignments that the span union hides."""
    a, b = item["a"], item["b"]
    sa, sb = c.a_segments.sentences, c.b_segments.sentences
    gold = item["gold"]
    pred_a: set[int] = set()
    pred_b: set[int] = set()
    ok_a: set[int] = set()
    ok_b: set[int] = set()
    for p in c.passages:
        for pair in p.pairs:
            ga = (sa[min(pair.a)].span.start, sa[max(pair.a)].span.end)
            gb = (sb[min(pair.b)].span.start, sb[max(pair.b)].span.end)
            ca_, cb_ = cg.char_set(a, [ga]), cg.char_set(b, [gb])
            pred_a |= ca_
            pred_b |= cb_
            for g in gold:
                if g.a_start < ga[1] and ga[0] < g.a_end and g.b_start < gb[1] and gb[0] < g.b_end:
                    ok_a |= ca_ & cg.char_set(a, [(g.a_start, g.a_end)])
                    ok_b |= cb_ & cg.char_set(b, [(g.b_start, g.b_end)])
    gold_a = cg.char_set(a, [(g.a_start, g.a_end) for g in gold])
    gold_b = cg.char_set(b, [(g.b_start, g.b_end) for g in gold])
    return cg.Counts(len(ok_a), len(pred_a), len(gold_a)), cg.Counts(len(ok_b), len(pred_b), len(gold_b))


def _complement_counts(text: str, spans: list[tuple[int, int]], gold_reused: set[int]) -> list[int]:
    pred = cg.char_set(text, spans)
    gold = cg.char_set(text, [(0, len(text))]) - gold_reused
    return [len(pred & gold), len(pred), len(gold)]


def score_item(item: dict[str, Any], c: Any) -> dict[str, Any]:
    a, b = item["a"], item["b"]
    pred_a = [(p.a.start, p.a.end) for p in c.passages]
    pred_b = [(p.b.start, p.b.end) for p in c.passages]
    gold_a = [(g.a_start, g.a_end) for g in item["gold"]]
    gold_b = [(g.b_start, g.b_end) for g in item["gold"]]
    ca, cb = cg.counts(a, pred_a, gold_a), cg.counts(b, pred_b, gold_b)
    la, lb = aligned_counts(item, c)
    pa, ga = cg.char_set(a, pred_a), cg.char_set(a, gold_a)
    pb, gb = cg.char_set(b, pred_b), cg.char_set(b, gold_b)
    return {
        "kind": item["kind"],
        "a_id": item["a_id"],
        "other": item["other"],
        "verdict": c.verdict,
        "confidence": c.confidence,
        "source": c.attribution.source,
        "reuse": [round(c.reuse_a, 3), round(c.reuse_b, 3)],
        "counts_a": [ca.tp, ca.pred, ca.gold],
        "counts_b": [cb.tp, cb.pred, cb.gold],
        "aligned_a": [la.tp, la.pred, la.gold],
        "aligned_b": [lb.tp, lb.pred, lb.gold],
        "f1_a": round(ca.f1, 4),
        "f1_b": round(cb.f1, 4),
        "types": Counter(
            {t: sum(len(p.b) for p in c.passages if p.type == t) for t in {p.type for p in c.passages}}
        ),
        "source_reason": c.attribution.reason,
        # `dropped` (in a) and `added` (in b) against the gold complement: the source text the copy
        # left out, and the copy text that does not come from the source.
        "dropped_counts": _complement_counts(a, [(x.start, x.end) for x in c.dropped], ga),
        "added_counts": _complement_counts(b, [(x.start, x.end) for x in c.added], gb),
        # Characters reported both inside a passage and as added (b) or dropped (a).
        "contradictions": [
            len(cg.char_set(a, [(s.start, s.end) for s in c.dropped]) & pa),
            len(cg.char_set(b, [(s.start, s.end) for s in c.added]) & pb),
        ],
        "missed_a": [snippet(a, s, e) for s, e in cg.runs(a, ga - pa, min_len=20)],
        "false_a": [snippet(a, s, e) for s, e in cg.runs(a, pa - ga, min_len=20)],
        "missed_b": [snippet(b, s, e) for s, e in cg.runs(b, gb - pb, min_len=20)],
        "false_b": [snippet(b, s, e) for s, e in cg.runs(b, pb - gb, min_len=20)],
        "passages": [
            {
                "a": snippet(a, p.a.start, p.a.end, 120),
                "b": snippet(b, p.b.start, p.b.end, 120),
                "type": p.type,
                "score": round(p.score, 3),
            }
            for p in c.passages
        ],
    }


def select(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Rows of one kind; "overall" is all of them; "overall, own set" leaves out ``synth:`` kinds."""
    if kind == "overall":
        return rows
    if kind == "overall, own set":
        return [r for r in rows if not r["kind"].startswith("synth:")]
    return [r for r in rows if r["kind"] == kind]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-kind", type=int, default=6, help="generated copies per rewrite kind")
    ap.add_argument("--negatives", type=int, default=200, help="random same-topic pairs")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--synth", type=int, default=0, help="also N copies per kind from retold.synth.copies (issue 3)")
    ap.add_argument("--lexical-only", action="store_true", help='match={"semantic": False}')
    ap.add_argument("--details", type=Path, help="write per-pair results (with text snippets) here")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2

    from retold import Detector, Document, Settings

    print(f"retold at {git_state()}\n")

    settings = Settings()
    if args.lexical_only:
        settings = settings.replace(match={"semantic": False})
    det = Detector(settings)
    corpus = load_corpus()
    items = build_set(corpus, per_kind=args.per_kind, seed=args.seed)
    if args.synth:
        items += build_synth_set(corpus, per_kind=args.synth, seed=args.seed)

    t0 = time.perf_counter()
    rows = []
    for it in items:
        c = det.compare(Document(id=it["a_id"], text=it["a"]), Document(id="copy", text=it["b"]))
        rows.append(score_item(it, c))
    t_pos = time.perf_counter() - t0

    kinds = [*cg.KINDS, "paraphrase", *(f"synth:{k}" for k in SYNTH_KINDS)]
    print(f"## Rewritten copies ({len(items)} pairs, {t_pos:.0f} s)\n")
    print(
        "| kind | pairs | P a | R a | F1 a | P b | R b | F1 b | F1 both | min pair F1 | aligned F1 | verdicts |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    total_a = total_b = cg.Counts(0, 0, 0)
    for kind in [*kinds, "overall", "overall, own set"]:
        sel = select(rows, kind)
        if not sel or (kind == "overall, own set" and len(sel) == len(rows)):
            continue
        ca = sum((cg.Counts(*r["counts_a"]) for r in sel), cg.Counts(0, 0, 0))
        cb = sum((cg.Counts(*r["counts_b"]) for r in sel), cg.Counts(0, 0, 0))
        both = ca + cb
        aligned = sum(
            (cg.Counts(*r["aligned_a"]) + cg.Counts(*r["aligned_b"]) for r in sel), cg.Counts(0, 0, 0)
        )
        if kind == "overall":
            total_a, total_b = ca, cb
        if kind == "overall, own set":
            total_a, total_b = ca, cb
        worst = min(min(r["f1_a"], r["f1_b"]) for r in sel)
        verdicts = ", ".join(f"{v} {n}" for v, n in Counter(r["verdict"] for r in sel).most_common())
        print(
            f"| {kind} | {len(sel)} | {ca.precision:.3f} | {ca.recall:.3f} | {ca.f1:.3f} | {cb.precision:.3f} | "
            f"{cb.recall:.3f} | {cb.f1:.3f} | **{both.f1:.3f}** | {worst:.3f} | {aligned.f1:.3f} | {verdicts} |"
        )
    print(
        "\n| kind | source a / b / undetermined (a is the true source; no dates) | passage types (share of b chars) |"
    )
    print("|---|---|---|")
    for kind in [*kinds, "overall", "overall, own set"]:
        sel = select(rows, kind)
        if not sel or (kind == "overall, own set" and len(sel) == len(rows)):
            continue
        srcs = Counter(str(r["source"]) for r in sel)
        types: Counter[str] = sum((r["types"] for r in sel), Counter())
        tot = sum(types.values()) or 1
        shares = ", ".join(f"{t} {n / tot:.0%}" for t, n in types.most_common())
        print(f"| {kind} | {srcs.get('a', 0)} / {srcs.get('b', 0)} / {srcs.get('None', 0)} | {shares} |")
    own = select(rows, "overall, own set")
    for name, key in (("dropped (a)", "dropped_counts"), ("added (b)", "added_counts")):
        k = sum((cg.Counts(*r[key]) for r in own), cg.Counts(0, 0, 0))
        print(
            f"\n`{name}` spans against gold (own set): P {k.precision:.3f} R {k.recall:.3f} F1 {k.f1:.3f}",
            end="",
        )
    print()
    contra = [sum(r["contradictions"][k] for r in rows) for k in (0, 1)]
    print(
        f"\nchars inside a passage and also reported as dropped (a) / added (b): {contra[0]} / {contra[1]} "
        f"(of {sum(r['counts_a'][1] for r in rows)} / {sum(r['counts_b'][1] for r in rows)} passage chars)"
    )

    neg_rows = []
    if args.negatives:
        t0 = time.perf_counter()
        for x, y in negative_pairs(corpus, n=args.negatives, seed=args.seed):
            c = det.compare(Document(id=x, text=corpus[x]), Document(id=y, text=corpus[y]))
            neg_rows.append(
                {
                    "a_id": x,
                    "b_id": y,
                    "verdict": c.verdict,
                    "reuse": [round(c.reuse_a, 3), round(c.reuse_b, 3)],
                    "passages": [
                        {
                            "a": snippet(corpus[x], p.a.start, p.a.end, 120),
                            "b": snippet(corpus[y], p.b.start, p.b.end, 120),
                            "type": p.type,
                            "score": round(p.score, 3),
                        }
                        for p in c.passages
                    ],
                }
            )
        t_neg = time.perf_counter() - t0
        dist = Counter(r["verdict"] for r in neg_rows)
        with_passages = sum(1 for r in neg_rows if r["passages"])
        print(f"\n## Same-topic random pairs ({len(neg_rows)} pairs, {t_neg:.0f} s)\n")
        print(
            f"copy verdicts: **{dist.get('copy', 0)}**; distribution: "
            + ", ".join(f"{v} {dist.get(v, 0)}" for v in ("copy", "partial-reuse", "same-story", "unrelated"))
        )
        print(f"pairs with any passage: {with_passages}")

    if args.details:

        def enc(o: Any) -> Any:
            return dict(o) if isinstance(o, Counter) else str(o)

        args.details.write_text(json.dumps({"positives": rows, "negatives": neg_rows}, indent=1, default=enc))
    ok = (total_a + total_b).f1 >= 0.9 and all(r["verdict"] != "copy" for r in neg_rows)
    print(f"\ntarget (F1 both >= 0.9 on the own set, no copy among negatives): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
