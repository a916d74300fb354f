"""Compatibility path: the Spark engine now lives in :mod:`retold.batch.spark`.

``python -m retold.spark CORPUS OUT.jsonl`` and ``spark-submit`` of this package's ``__main__.py``
keep working (both are documented in ``docs/spark.md`` and used by scripts in the field); new code
imports :mod:`retold.batch`. Importing this package does not import pyspark.
"""

from __future__ import annotations

__all__: list[str] = []
