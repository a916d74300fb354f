"""A reworded paragraph pasted into an unrelated article: is the reuse found?

    .venv/bin/python bench/core_embedded.py

Each file in bench/handwritten_embedded/ holds a 3-4 sentence paragraph reworded by hand from one
BBC article (``source``), pasted after the third paragraph of an unrelated BBC article
(``host``). Prints the verdict of ``compare(source, host with paragraph)``, the passages' b text,
and whether the passages stay inside the pasted paragraph. Reads ../shared/data/bbc-news (exits
with a message when it is missing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "bbc-news"
CASES = ROOT / "bench" / "handwritten_embedded"


def main() -> int:
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2
    from retold import Detector, Document, Settings

    det = Detector(Settings())
    found = 0
    files = sorted(CASES.glob("*.json"))
    for f in files:
        spec = json.loads(f.read_text(encoding="utf-8"))
        src = (DATA / spec["source"]).read_text(encoding="utf-8", errors="replace")
        host = (DATA / spec["host"]).read_text(encoding="utf-8", errors="replace").split("\n\n")
        k = spec["insert_after_paragraph"]
        b = "\n\n".join([*host[:k], spec["paragraph"], *host[k:]])
        start = len("\n\n".join(host[:k])) + 2
        end = start + len(spec["paragraph"])
        c = det.compare(Document(spec["source"], src), Document(f"{spec['host']}+paragraph", b))
        inside = all(start <= p.b.start and p.b.end <= end for p in c.passages)
        found += c.is_reuse and inside
        print(f"{spec['source']} in {spec['host']}: {c.verdict}, {len(c.passages)} passage(s), "
              f"inside the pasted paragraph: {inside} ({spec['note'].split('(')[-1].rstrip(')')})")
    print(f"found: {found}/{len(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
