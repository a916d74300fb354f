"""The batch scan on Spark: DataFrames for the joins, the kernels of :mod:`retold.batch.local` in the workers.

Every stage is a DataFrame written as Parquet under ``checkpoint_dir/<stage>`` and read back, which
cuts the lineage (a failed compare does not re-run the fingerprints) and lets a new run resume
after the last stage whose ``_SUCCESS`` marker exists. Per-document work (fingerprints, compares)
runs through ``RDD.mapPartitions`` over plain rows rather than pandas UDFs: it needs neither pandas
nor Arrow in the workers and the RDD API has not changed from pyspark 3.3 to 4.x.

The joins mirror :func:`retold.batch.local.local_candidates` exactly (the rules of
:mod:`retold.candidates.channels` with ``Settings.candidates``: same bucket caps, the same Jaccard
estimate and containment share, same ``a < b`` orientation), so both engines write the same file.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

from retold.batch.local import (
    DOC_FIELDS,
    REUSE_VERDICTS,
    VIA_LSH,
    VIA_SEMANTIC,
    VIA_WINNOW,
    BatchOptions,
    Fingerprinter,
    PairComparer,
    ScanSummary,
    Timer,
    bucket_pairs,
    checkpoint_key,
    cluster_lines,
    clusters_of,
    document_from_record,
    local_semantic_pairs,
    passage_rows,
    write_lines,
)
from retold.config import Settings
from retold.errors import ConfigError, InputError, SparkError

log = logging.getLogger("retold.spark")


def get_session(*, master: str | None = None, workers: int = 1, conf: dict[str, str] | None = None) -> Any:
    """The active SparkSession, or a new one: ``master``, else spark-submit's, else ``local[workers]``.

    A new local session gets small-run defaults (few shuffle partitions, no UI); anything in
    ``conf`` wins. Raises :class:`SparkError` with the fix when pyspark or Java is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkError("the Spark engine needs pyspark: pip install 'retold[spark]' (or use --engine local)") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkError(
            "the Spark engine needs Java 17 (set JAVA_HOME or put java on PATH); "
            "--engine local runs the same scan without a JVM"
        )
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("retold-scan")
    # Under spark-submit the master comes from its command line; never override it.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if master or not submitted:
        builder = builder.master(master or f"local[{workers}]")
    # The core's float sums follow set order, hence the hash seed; pin it as the local engine does.
    settings = {"spark.executorEnv.PYTHONHASHSEED": "0"}
    if not submitted and (master or "local").startswith("local"):
        # 200 shuffle partitions (the default) cost ~1 s of task overhead per stage on a laptop.
        settings |= {"spark.sql.shuffle.partitions": str(max(4, 2 * workers)), "spark.ui.enabled": "false",
                     "spark.ui.showConsoleProgress": "false"}
    for k, v in {**settings, **(conf or {})}.items():
        builder = builder.config(k, v)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: say why in one line
        raise SparkError(f"could not start Spark ({type(exc).__name__}: {exc}); check JAVA_HOME and the master URL") from exc


def fit_shuffle_partitions(spark: Any) -> int:
    """Set ``spark.sql.shuffle.partitions`` to twice the cluster's cores, unless it was configured.

    Spark's default of 200 shuffle partitions cost a standalone 2-core cluster 34 s of 65 s in the
    candidate stage at 2,000 articles (bench/spark_cluster.py); 2 per core keeps every core busy.
    ``defaultParallelism`` counts the executor cores registered so far, so this is called again
    after the first job. A value from ``--conf``, spark-submit or ``get_session(conf=…)`` stands.
    """
    sc = spark.sparkContext
    if sc.getConf().contains("spark.sql.shuffle.partitions"):
        return int(spark.conf.get("spark.sql.shuffle.partitions"))
    n = max(4, 2 * int(sc.defaultParallelism))
    spark.conf.set("spark.sql.shuffle.partitions", str(n))
    return n


# --------------------------------------------------------------------------- schemas


def _schemas() -> dict[str, Any]:
    from pyspark.sql import types as T

    s, lng = T.StringType(), T.LongType()
    return {
        "input": T.StructType([T.StructField(f, s) for f in DOC_FIELDS] + [T.StructField("_corrupt_record", s)]),
        "docs": T.StructType([T.StructField(f, s) for f in DOC_FIELDS] + [T.StructField("ok", T.BooleanType())]),
        "fingerprint": T.StructType([
            T.StructField("id", s), T.StructField("sig", T.ArrayType(lng)), T.StructField("keys", T.ArrayType(lng)),
            T.StructField("fps", T.ArrayType(lng)), T.StructField("vec", T.ArrayType(T.FloatType())),
        ]),
        "pairs": T.StructType([T.StructField("a", s), T.StructField("b", s)]),
        "compare": T.StructType([T.StructField(f, s) for f in ("a", "b", "verdict", "line")]),
        "passages": T.StructType([
            T.StructField("a", s), T.StructField("b", s), T.StructField("n", T.IntegerType()), T.StructField("type", s),
            T.StructField("a_start", lng), T.StructField("a_end", lng), T.StructField("b_start", lng),
            T.StructField("b_end", lng), T.StructField("score", T.DoubleType()),
        ]),
        "clusters": T.StructType([T.StructField("id", s), T.StructField("cluster", s)]),
    }


# --------------------------------------------------------------------------- partition functions (run in workers)


def _check_partition(rows: Iterator[Any]) -> Iterator[tuple[Any, ...]]:
    for r in rows:
        rec = {f: r[f] for f in DOC_FIELDS}
        ok = r["_corrupt_record"] is None
        if ok:
            try:
                document_from_record(rec, where=f"record {rec.get('id')!r}")
            except InputError:
                ok = False
        yield (*(rec[f] for f in DOC_FIELDS), ok)


def _fingerprint_partition(rows: Iterator[Any], settings: Settings, options: BatchOptions) -> Iterator[tuple[Any, ...]]:
    fper = Fingerprinter(settings, options)
    batch = []
    for r in rows:
        batch.append(document_from_record({f: r[f] for f in DOC_FIELDS}, where=str(r["id"])))
        if len(batch) == 512:
            yield from ((x.id, x.sig, x.keys, x.fps, x.vec) for x in fper.rows(batch))
            batch = []
    yield from ((x.id, x.sig, x.keys, x.fps, x.vec) for x in fper.rows(batch))


def _compare_partition(rows: Iterator[Any], settings: Settings) -> Iterator[tuple[str, str, str, str]]:
    comparer = PairComparer(settings)
    for r in rows:
        a = document_from_record({f: r[f"a_{f}"] for f in DOC_FIELDS}, where=r["a_id"])
        b = document_from_record({f: r[f"b_{f}"] for f in DOC_FIELDS}, where=r["b_id"])
        c = comparer.compare(a, b)
        yield c.a, c.b, c.verdict, c.line


# --------------------------------------------------------------------------- checkpoints


class SparkCheckpoints:
    """Parquet per stage under ``root`` on any Hadoop file system (local, hdfs://, s3a://).

    Without a root, stages are persisted in memory and disk instead (no resume).
    """

    def __init__(self, spark: Any, root: str | None, key: dict[str, Any]) -> None:
        self.spark, self.root = spark, root
        if root is None:
            return
        jvm = spark.sparkContext._jvm
        self._jvm = jvm
        self._fs = jvm.org.apache.hadoop.fs.Path(root).getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        manifest = f"{root}/_manifest.json"
        if self._exists(manifest):
            old = json.loads(self._read(manifest))
            if old != key:
                diff = sorted(k for k in key if old.get(k) != key[k])
                raise ConfigError(
                    f"checkpoint folder {root} was made by another run (different {', '.join(diff)}); "
                    "use a new --checkpoint-dir or delete this one to start over"
                )
        else:
            self._write(manifest, json.dumps(key, sort_keys=True))

    def _path(self, p: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(p)

    def _exists(self, p: str) -> bool:
        return bool(self._fs.exists(self._path(p)))

    def _read(self, p: str) -> str:
        stream = self._fs.open(self._path(p))
        try:
            return str(self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def _write(self, p: str, text: str) -> None:
        out = self._fs.create(self._path(p), True)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()

    def done(self, stage: str) -> bool:
        return self.root is not None and self._exists(f"{self.root}/{stage}/_SUCCESS")

    def load(self, stage: str) -> Any:
        return self.spark.read.parquet(f"{self.root}/{stage}")

    def save(self, stage: str, df: Any) -> Any:
        if self.root is None:
            from pyspark import StorageLevel

            return df.persist(StorageLevel.MEMORY_AND_DISK)
        df.write.mode("overwrite").parquet(f"{self.root}/{stage}")
        return self.load(stage)


# --------------------------------------------------------------------------- stages


def read_corpus_df(spark: Any, path: str) -> Any:
    """The corpus as a DataFrame of string columns ``id, text, date, title, url, outlet, _corrupt_record``."""
    from pyspark.sql import functions as F

    sch = _schemas()["input"]
    is_parquet = path.rstrip("/").lower().endswith((".parquet", ".pq")) or (os.path.isdir(path))
    if is_parquet:
        raw = spark.read.parquet(path)
        missing = [c for c in ("id", "text") if c not in raw.columns]
        if missing:
            raise InputError(f'{path}: Parquet corpus needs "id" and "text" columns, has {raw.columns}')
        return raw.select(
            *[(F.col(f).cast("string") if f in raw.columns else F.lit(None).cast("string")).alias(f) for f in DOC_FIELDS],
            F.lit(None).cast("string").alias("_corrupt_record"),
        )
    if not path.startswith(("hdfs:", "s3a:", "gs:", "abfs")) and not os.path.exists(path):
        raise InputError(f"corpus {path} does not exist; give a .jsonl or .parquet file (or a Parquet folder)")
    return spark.read.schema(sch).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt_record").json(path)


def _emit_pairs(row: Any, caps: tuple[int, int]) -> Iterator[tuple[str, str, int]]:
    if 2 <= row["n"] <= caps[row["kind"]]:
        for a, b in bucket_pairs(row["m"]):
            yield a, b, row["kind"]


def spark_candidates(spark: Any, fp: Any, settings: Settings, options: BatchOptions) -> Any:
    """Stage 2 as one grouping and two joins, with the rules of :func:`retold.batch.local.local_candidates`.

    Every (kind, band, key) of every document is one row: kind 0 a MinHash band, 1 a winnowed
    fingerprint (band 0). One ``groupBy`` makes the buckets; the pairs of the
    buckets within their cap are emitted in Python and counted per (a, b, kind).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    o, cs = options, settings.candidates
    rows = [
        fp.select("id", F.lit(0).alias("kind"), F.posexplode("keys").alias("band", "key")),
        fp.select("id", F.lit(1).alias("kind"), F.lit(0).alias("band"), F.explode("fps").alias("key")),
    ]
    keys = rows[0]
    for r in rows[1:]:
        keys = keys.unionByName(r)
    buckets = keys.groupBy("kind", "band", "key").agg(F.collect_list("id").alias("m"), F.count("*").alias("n"))
    caps = (cs.max_bucket, cs.max_fingerprint_df)
    schema = T.StructType([T.StructField("a", T.StringType()), T.StructField("b", T.StringType()),
                           T.StructField("kind", T.IntegerType())])
    raw = spark.createDataFrame(buckets.where("n >= 2").rdd.flatMap(lambda r: _emit_pairs(r, caps)), schema)
    # Used twice below (lexical and containment branches): computing the Python flatMap once halves the stage.
    counted = raw.groupBy("a", "b", "kind").count().persist()
    # Lexical: the pair's estimated Jaccard (equal MinHash values / num_perm, as
    # retold.candidates.channels.lexical_pairs) must reach min_jaccard.
    sig = {x: fp.select(F.col("id").alias(x), F.col("sig").alias(f"sig_{x}"), F.size("fps").alias(f"nfp_{x}"))
           for x in ("a", "b")}
    banded = counted.where(F.col("kind") == 0).join(sig["a"], "a").join(sig["b"], "b")
    equal = F.size(F.filter(F.arrays_zip("sig_a", "sig_b"), lambda z: z["sig_a"] == z["sig_b"]))
    jac = equal.cast("double") / F.size("sig_a").cast("double")
    lsh = banded.where(jac >= F.lit(float(cs.min_jaccard))).select("a", "b", F.lit(VIA_LSH).alias("via"))
    # Containment: shared fingerprints / the smaller side's (retold.candidates.channels.containment_pairs).
    shared = counted.where((F.col("kind") == 1) & (F.col("count") >= cs.min_shared_fingerprints))
    shared = shared.join(sig["a"], "a").join(sig["b"], "b")
    share = F.col("count").cast("double") / F.greatest(F.lit(1), F.least("nfp_a", "nfp_b")).cast("double")
    win = shared.where(share >= F.lit(float(cs.min_containment))).select("a", "b", F.lit(VIA_WINNOW).alias("via"))
    lex = lsh.unionByName(win)
    if o.semantic:
        # The semantic channel on the driver, over the lead vectors the executors computed: the
        # kernel the local engine and the store scan run (one ANN index, nearest neighbours, the
        # floor and the background z-test). The driver holds n x dim float32 (1M MiniLM leads:
        # ~1.5 GB; size spark.driver.memory for it).
        leads = [(r["id"], r["vec"]) for r in fp.select("id", "vec").where(F.size("vec") > 0).toLocalIterator()]
        pairs = local_semantic_pairs([i for i, _ in leads], [v for _, v in leads], settings)
        sem_df = spark.createDataFrame(pairs, _schemas()["pairs"])
        lex = lex.unionByName(sem_df.withColumn("via", F.lit(VIA_SEMANTIC)))
    return lex.groupBy("a", "b").agg(F.bit_or("via").cast("int").alias("via"))


def spark_compare(spark: Any, cands: Any, docs: Any, settings: Settings) -> Any:
    """Stage 3: each candidate joined with both documents, compared in the workers grouped by ``a``."""
    from pyspark.sql import functions as F

    side = {x: docs.select(*[F.col(f).alias(f"{x}_{f}") for f in DOC_FIELDS]) for x in ("a", "b")}
    joined = (
        cands.join(side["a"], cands["a"] == side["a"]["a_id"])
        .join(side["b"], cands["b"] == side["b"]["b_id"])
        .repartition("a")
        .sortWithinPartitions("a", "b")
    )
    rdd = joined.rdd.mapPartitions(lambda rows: _compare_partition(rows, settings))
    return spark.createDataFrame(rdd, _schemas()["compare"])


def run_spark(
    input_path: str,
    output_path: str,
    *,
    settings: Settings,
    options: BatchOptions,
    workers: int,
    checkpoint_dir: str | None,
    include_all: bool,
    clusters_path: str | None,
    stop_after: str | None,
    master: str | None,
) -> ScanSummary:
    """The five stages on Spark (see :func:`retold.batch.local.scan_corpus`)."""
    from pyspark.sql import functions as F

    from retold.batch.local import CompareRow

    timer = Timer()
    spark = get_session(master=master, workers=workers)
    fit_shuffle_partitions(spark)
    sch = _schemas()
    raw = read_corpus_df(spark, input_path)
    checked = spark.createDataFrame(raw.rdd.mapPartitions(_check_partition), sch["docs"]).persist()
    docs = checked.where("ok").drop("ok")
    # One job for the three counts; the duplicates are named only when there are some.
    tally = checked.agg(F.count("*").alias("all"), F.count(F.when(F.col("ok"), 1)).alias("ok"),
                        F.countDistinct(F.when(F.col("ok"), F.col("id"))).alias("ids")).first()
    n_docs, rejected = int(tally["ok"]), int(tally["all"] - tally["ok"])
    fit_shuffle_partitions(spark)  # the executors that ran the first job are registered now
    if tally["ids"] != n_docs:
        dup = docs.groupBy("id").count().where("count > 1").orderBy("id").limit(3).collect()
        raise InputError(
            f"{input_path}: repeated document ids (first: {[r['id'] for r in dup]}); "
            "ids must be unique in a scan: de-duplicate the corpus or make the ids unique"
        )
    ck = SparkCheckpoints(spark, checkpoint_dir, checkpoint_key(input_path, settings, options, "spark"))
    resumed: list[str] = []
    n = {"candidates": 0, "compared": 0, "reuse": 0, "passages": 0}

    def summary(stopped: str | None, pairs: int = 0, clusters: int = 0) -> ScanSummary:
        return ScanSummary("spark", output_path, n_docs, rejected, n["candidates"], n["compared"], pairs,
                           n["reuse"], n["passages"], clusters, timer.seconds(), stopped, tuple(resumed))

    def stage(name: str, build: Any) -> Any:
        if ck.done(name):
            resumed.append(name)
            return ck.load(name)
        try:
            t0 = timer.seconds()
            df = ck.save(name, build())
            log.info("stage %s done in %.1f s", name, timer.seconds() - t0)
            return df
        except (InputError, ConfigError):
            raise
        except Exception as exc:
            raise SparkError(f"stage {name} failed: {type(exc).__name__}: {str(exc)[:2000]}") from exc

    fp = stage("fingerprint", lambda: spark.createDataFrame(
        docs.rdd.mapPartitions(lambda rows: _fingerprint_partition(rows, settings, options)), sch["fingerprint"]))
    if stop_after == "fingerprint":
        return summary("fingerprint")
    cands = stage("candidates", lambda: spark_candidates(spark, fp, settings, options))
    n["candidates"] = cands.count()
    if stop_after == "candidates":
        return summary("candidates")
    compared = stage("compare", lambda: spark_compare(spark, cands, docs, settings))
    n["compared"] = compared.count()
    reuse = compared.where(F.col("verdict").isin(*sorted(REUSE_VERDICTS)))
    n["reuse"] = reuse.count()
    if stop_after == "compare":
        return summary("compare")
    passages = stage("passages", lambda: spark.createDataFrame(
        reuse.rdd.flatMap(lambda r: [tuple(getattr(p, f) for f in p.__slots__)
                                     for p in passage_rows(CompareRow(r["a"], r["b"], r["verdict"], r["line"]))]),
        sch["passages"]))
    n["passages"] = passages.count()
    if stop_after == "passages":
        return summary("passages")

    def build_clusters() -> Any:
        # Reuse edges are few next to documents (~1 per reprint); union-find on the driver handles
        # tens of millions of edges in a few GB. A distributed label propagation would be next.
        labels = clusters_of((r["a"], r["b"]) for r in reuse.select("a", "b").toLocalIterator())
        rows = sorted(labels.items())
        return spark.createDataFrame(rows, sch["clusters"]) if rows else spark.createDataFrame([], sch["clusters"])

    clusters = stage("clusters", build_clusters)
    labels = {r["id"]: r["cluster"] for r in clusters.toLocalIterator()}
    out = (compared if include_all else reuse).orderBy("a", "b").select("line")
    if "://" in output_path and not output_path.startswith("file:"):
        # A cluster path: Spark writes part files in (a, b) order; cat them for one file.
        out.write.mode("overwrite").text(output_path)
        written = out.count()
    else:
        written = write_lines(output_path, (r["line"] for r in out.toLocalIterator()))
    if clusters_path is not None:
        write_lines(clusters_path, cluster_lines(labels))
    if checkpoint_dir is None:
        for df in (fp, cands, compared, passages, clusters, checked):
            df.unpersist()
    return summary(None, written, len(set(labels.values())))


__all__ = ["SparkCheckpoints", "fit_shuffle_partitions", "get_session", "read_corpus_df", "run_spark", "spark_candidates", "spark_compare"]
