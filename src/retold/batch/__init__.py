"""Store-less batch scan of a whole corpus, on one machine or on Spark.

Two engines over the same kernels: :mod:`retold.batch.local` (this process plus worker processes,
and the kernels themselves) and :mod:`retold.batch.spark` (DataFrames; imports pyspark). The local
module never imports the Spark one at import time, so ``import retold.batch`` and
``import retold.batch.spark`` work in either order. ``python -m retold.batch`` is the Spark-style
command line (``python -m retold.spark`` still works). See ``docs/spark.md``.
"""

from __future__ import annotations

from retold.batch.local import STAGES, BatchOptions, ScanSummary, scan_corpus

__all__ = ["STAGES", "BatchOptions", "ScanSummary", "scan_corpus"]
