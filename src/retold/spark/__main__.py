"""``python -m retold.spark``: the same command line as ``python -m retold.batch``."""

from __future__ import annotations

from retold.batch.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
