"""How fast ``retold add`` is into a store that is already large, and where the time goes.

    .venv/bin/python bench/corpus_add_rate.py out/bench/scale-300000.db [--n 10000] [--cache-mb 0]
                                              [--autocheckpoint 0]

Copies the store (one made by bench/corpus_scale.py) to a temporary file, adds ``--n`` new
generated articles (corpus_scale's generator, another seed) with the hash embedder, and prints
the seconds, milliseconds a document, and the share spent inside SQLite calls (``execute`` /
``executemany``, measured with cProfile). ``--cache-mb`` sets ``PRAGMA cache_size`` and
``--autocheckpoint`` ``PRAGMA wal_autocheckpoint`` for the run (0: the store's defaults).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--cache-mb", type=int, default=0)
    ap.add_argument("--autocheckpoint", type=int, default=0)
    args = ap.parse_args()
    if not args.store.is_file():
        print(f"missing {args.store}: make one with bench/corpus_scale.py --sizes N", file=sys.stderr)
        return 2
    from corpus_scale import generate

    from retold.config import Settings
    from retold.corpus.archive import add_documents
    from retold.store import Store
    from retold.types import Document

    s = Settings().replace(embed={"backend": "hash"})
    with tempfile.TemporaryDirectory(dir=args.store.parent) as tmp:
        db = Path(tmp) / "copy.db"
        shutil.copyfile(args.store, db)
        with Store(db, settings=s) as st:
            before = len(st)
            if args.cache_mb:
                st.db.execute(f"PRAGMA cache_size=-{args.cache_mb * 1024}")
            if args.autocheckpoint:
                st.db.execute(f"PRAGMA wal_autocheckpoint={args.autocheckpoint}")
            docs = [Document(f"rate-{d.id}", d.text) for d in generate(args.n, 0.0, seed=before + 7)]
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.enable()
            add_documents(st, docs, settings=s)
            prof.disable()
            secs = time.perf_counter() - t0
        stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        in_sqlite = sum(v[2] for k, v in stats.items() if k[2] in ("<method 'execute' of 'sqlite3.Connection' objects>",
                                                                   "<method 'executemany' of 'sqlite3.Connection' objects>"))
    row = {"store_documents": before, "added": args.n, "seconds": round(secs, 1), "ms_per_document": round(1000 * secs / args.n, 2),
           "sqlite_share": round(in_sqlite / max(secs, 1e-9), 3), "cache_mb": args.cache_mb, "autocheckpoint": args.autocheckpoint}
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
