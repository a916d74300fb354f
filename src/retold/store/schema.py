"""The store's schema as numbered migrations (``PRAGMA user_version`` holds the applied number).

Version 1 holds documents and everything derived from them at ``add`` time; version 2 adds the
detected-pairs table and the serialised ANN index. A new version appends a script here and never
edits an old one, so every store upgrades by replaying the scripts it has not seen.

Tables (``doc`` columns are ``documents.rowid``; derived rows go with their document):

* ``meta(key, value)`` — ``signature_settings`` (JSON), ``created_by``;
* ``documents`` — id, text, date, title, url, outlet, meta (JSON), ``content_hash`` (SHA-256 of
  the fields, so re-adding the same record is a no-op), ``origin`` (file:line);
* ``sentences(doc, idx, start, end, paragraph)`` — raw spans from segmentation;
* ``signatures(doc, minhash, winnow, shingles)`` — MinHash (uint32 blob), winnowed fingerprints;
* ``lsh_buckets(band, key, doc)`` and ``postings(hash, doc)`` — the lexical candidate indexes;
* ``embeddings(doc, kind, dim, vectors)`` — ``kind`` is ``doc`` (one vector) or ``sentences``
  (one row per sentence, cached the first time a document is compared);
* ``pairs(a, b, verdict, source, result, digest)`` — detected reuse, the compare JSON of each pair;
* ``ann(name, count, blob)`` — the serialised ANN index over document vectors.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: documents and their derived data
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        date TEXT, title TEXT, url TEXT, outlet TEXT,
        meta TEXT NOT NULL DEFAULT '{}',
        origin TEXT,
        added_at REAL NOT NULL
    );
    CREATE INDEX documents_outlet ON documents(outlet);
    CREATE TABLE sentences (
        doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        paragraph INTEGER NOT NULL,
        PRIMARY KEY (doc, idx)
    ) WITHOUT ROWID;
    CREATE TABLE signatures (
        doc INTEGER PRIMARY KEY REFERENCES documents(rowid) ON DELETE CASCADE,
        minhash BLOB NOT NULL,
        winnow BLOB NOT NULL,
        shingles INTEGER NOT NULL
    );
    CREATE TABLE lsh_buckets (
        band INTEGER NOT NULL,
        key INTEGER NOT NULL,
        doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
        PRIMARY KEY (band, key, doc)
    ) WITHOUT ROWID;
    CREATE INDEX lsh_buckets_doc ON lsh_buckets(doc);
    CREATE TABLE postings (
        hash INTEGER NOT NULL,
        doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
        PRIMARY KEY (hash, doc)
    ) WITHOUT ROWID;
    CREATE INDEX postings_doc ON postings(doc);
    CREATE TABLE embeddings (
        doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('doc', 'sentences')),
        dim INTEGER NOT NULL,
        vectors BLOB NOT NULL,
        PRIMARY KEY (doc, kind)
    );
    """,
    # 2: detected pairs and the serialised ANN index
    """
    CREATE TABLE pairs (
        a INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
        verdict TEXT NOT NULL,
        source TEXT,
        score REAL NOT NULL,
        result TEXT NOT NULL,
        digest TEXT NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX pairs_b ON pairs(b);
    CREATE TABLE ann (
        name TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        stamp TEXT NOT NULL,
        blob BLOB NOT NULL
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
