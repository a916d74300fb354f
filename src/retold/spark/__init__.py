"""The Spark backend of the batch scan: the same kernels as :mod:`retold.batch` on DataFrames.

``python -m retold.spark CORPUS OUT.jsonl`` (or ``spark-submit -m``-style through
``spark-submit $(python -c 'import retold.spark.__main__ as m; print(m.__file__)') …``) runs
:func:`retold.batch.scan_corpus` with ``engine="spark"``. Importing this package does not import
pyspark; :mod:`retold.spark.engine` does. See ``docs/spark.md``.
"""

from __future__ import annotations

__all__: list[str] = []
