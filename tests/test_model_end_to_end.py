"""The real MiniLM model through the products: a store (add, scan, query), the batch scan, the service.

The corpus is small and written for retold: the 26 distinct articles of the hand-written gate pairs
(tests/fixtures/handwritten: wire stories, their paraphrases, summaries and spins, independent
same-story reports, unrelated stories) and the 8 articles of examples/corpus (other events on the
same topics: a breach, a marathon, a flood). Each test also checks a threshold that was tuned for
MiniLM against what the model really gives on this corpus, so a new model or a moved threshold
fails here rather than in production.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retold import Settings
from retold.types import Document

pytestmark = [pytest.mark.model, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
HANDWRITTEN = ROOT / "tests" / "fixtures" / "handwritten"
PAIRS = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(HANDWRITTEN.glob("*.json"))]
# Reuse the store must find: every labelled reuse pair but the two reworded excerpts (which the
# pair comparison itself misses today; the quality gate tracks them).
MUST_FIND = {frozenset((p["a"]["id"], p["b"]["id"])) for p in PAIRS if p["label"] and p["kind"] != "excerpt"}
# A feature that pastes one lead sentence of a wire story (4 shared fingerprints, 15 % of the
# smaller side's): the containment channel proposes it only without a share floor
# (candidates.min_containment 0.0).
PASTED_SENTENCE = frozenset(("bridge-wire", "traders-feature"))
PARAPHRASES = {frozenset((p["a"]["id"], p["b"]["id"])) for p in PAIRS if p["kind"] == "paraphrase"}
SAME_STORY = {frozenset((p["a"]["id"], p["b"]["id"])) for p in PAIRS if p["kind"] == "same-story"}
UNRELATED = {frozenset((p["a"]["id"], p["b"]["id"])) for p in PAIRS if p["kind"] == "unrelated"}


def story(doc_id: str) -> str:
    """ferry-wire, ferry-brief ... -> ferry; examples/corpus articles are stories of their own."""
    return doc_id if doc_id.startswith("ex/") else doc_id.split("-")[0]


STORY_OF = {"transport-column": "ferry", "weather-roundup": "flood", "festival-news": "festival",
            "traders-feature": "bridge"}


def _story(doc_id: str) -> str:
    return STORY_OF.get(doc_id, story(doc_id))


def corpus_documents() -> list[Document]:
    from retold.ingest import read_document

    docs: dict[str, Document] = {}
    for p in PAIRS:
        for side in ("a", "b"):
            docs[p[side]["id"]] = Document(p[side]["id"], p[side]["text"])
    for f in sorted((ROOT / "examples" / "corpus").rglob("*.txt")):
        d = read_document(f)
        docs[f"ex/{f.stem}"] = Document(f"ex/{f.stem}", d.text, date=d.date)
    return list(docs.values())


@pytest.fixture(scope="module")
def settings() -> Settings:
    from retold.embed import get_embedder

    s = Settings()
    assert type(get_embedder(s.embed)).__name__ == "MiniLMEmbedder"
    return s


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return corpus_documents()


@pytest.fixture(scope="module")
def lead_vectors(settings, docs) -> dict[str, np.ndarray]:
    from retold.corpus.archive import doc_embedder, lead_text

    v = np.asarray(doc_embedder(settings).encode([lead_text(d, words=settings.candidates.lead_words) for d in docs]))
    return {d.id: v[i] for i, d in enumerate(docs)}


@pytest.fixture(scope="module")
def store_scan(settings, docs, tmp_path_factory):
    from retold.corpus.archive import Corpus, add_documents
    from retold.store import Store

    path = tmp_path_factory.mktemp("e2e") / "news.db"
    with Store(path, settings=settings) as st:
        summary = add_documents(st, docs, settings=settings)
        assert summary.stored == len(docs) and not summary.rejected
        pairs = list(Corpus(st, settings=settings).scan(include_all=True))
    return path, {frozenset((p.a, p.b)): p for p in pairs}


def test_the_lead_cosine_floor_and_z_test_separate_copies_from_other_stories(lead_vectors) -> None:
    """candidates.semantic_floor_minilm (0.75) and semantic_min_z (5.0) were tuned on BBC leads."""
    from retold.config import CandidateSettings

    cs = CandidateSettings()
    floor, min_z = cs.semantic_floor("minilm"), cs.semantic_min_z
    ids = list(lead_vectors)
    for pair in PARAPHRASES | {
        frozenset((p["a"]["id"], p["b"]["id"])) for p in PAIRS if p["kind"] == "summary"
    }:
        a, b = sorted(pair)
        cos = float(lead_vectors[a] @ lead_vectors[b])
        background = np.array([lead_vectors[b] @ lead_vectors[x] for x in ids if _story(x) != _story(b)])
        z = (cos - background.mean()) / background.std()
        assert cos >= floor, (a, b, round(cos, 3))
        assert z >= min_z, (a, b, round(z, 2))
    for pair in UNRELATED:
        a, b = sorted(pair)
        assert float(lead_vectors[a] @ lead_vectors[b]) < floor - 0.4
    # leads of different stories on one topic (two breaches, two marathons) stay under the floor
    for a, b in (("breach-wire", "ex/pellmart-breach"), ("marathon-agency", "ex/harbridge-marathon")):
        assert float(lead_vectors[a] @ lead_vectors[b]) < floor, (a, b)


def test_store_scan_finds_every_rewrite_through_the_model(store_scan) -> None:
    _path, pairs = store_scan
    reuse = {k for k, p in pairs.items() if p.is_reuse}
    assert MUST_FIND <= reuse, sorted(map(sorted, MUST_FIND - reuse))
    assert pairs[PASTED_SENTENCE].candidate.channels == ("containment",), pairs[PASTED_SENTENCE].candidate
    # Paraphrases share no run of words long enough for the lexical channels: only the semantic
    # channel (MiniLM leads above candidates.semantic_floor_minilm) proposes them.
    for pair in PARAPHRASES:
        assert "semantic" in pairs[pair].candidate.channels, (sorted(pair), pairs[pair].candidate)
    assert not {k for k in pairs if len({_story(x) for x in k}) > 1 and k & {"festival-news", "bakery-news"}}
    # No reuse across stories; inside one story, of the independent reports only the marathon pair
    # (shared times, names and quote) is called reuse today (issue 11 is working on it).
    assert all(len({_story(x) for x in k}) == 1 for k in reuse), sorted(map(sorted, reuse))
    assert reuse & SAME_STORY <= {frozenset(("marathon-newspaper", "marathon-agency"))}


def test_store_query_names_the_source_of_a_spun_copy(store_scan, settings) -> None:
    from retold.corpus.archive import Corpus
    from retold.store import Store

    path, _ = store_scan
    spun = next(p for p in PAIRS if p["id"] == "spin-flood")["b"]["text"].replace("taunt", "jeer")
    paraphrase = next(p for p in PAIRS if p["id"] == "paraphrase-ferry")["b"]["text"]
    with Store(path) as st:
        c = Corpus(st, settings=settings)
        hits = {h.id: h for h in c.query(Document("new-spin", spun)).hits}
        assert hits["flood-wire"].role == "source" and hits["flood-wire"].comparison.verdict == "copy"
        hits = {h.id: h for h in c.query(Document("new-paraphrase", paraphrase)).hits}
        assert hits["ferry-wire"].comparison.is_reuse  # copy or partial-reuse: the gate grades the verdict
        assert "semantic" in hits["ferry-wire"].candidate.channels


def test_batch_scan_with_the_model_finds_what_the_store_scan_finds(settings, docs, store_scan, tmp_path) -> None:
    """The batch scan runs the store scan's channels (retold.candidates: lexical, containment, and
    MiniLM leads above candidates.semantic_floor_minilm with the background z-test): through the
    real model too, it reports the same reuse pairs."""
    from retold.batch.local import scan_corpus

    src = tmp_path / "news.jsonl"
    src.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    out = tmp_path / "pairs.jsonl"
    summary = scan_corpus(src, out, settings=settings)
    lines = list(map(json.loads, out.read_text(encoding="utf-8").splitlines()))
    found = {frozenset((r["a"], r["b"])): r["verdict"] for r in lines}
    assert summary.documents == len(docs) and summary.reuse_pairs == len(found)
    _path, pairs = store_scan
    store = {k: p.verdict for k, p in pairs.items() if p.is_reuse}
    assert set(found) == set(store), sorted(map(sorted, set(found) ^ set(store)))
    # The store compares in rowid order and the batch in id order: the verdicts agree because
    # compare(a, b) mirrors compare(b, a) (test_compare_is_the_same_in_either_order).
    assert found == store, sorted((sorted(k), found[k], store[k]) for k in found if found[k] != store[k])
    assert MUST_FIND <= set(found)
    assert all(len({_story(x) for x in k}) == 1 for k in found)


def test_service_over_the_model_store(store_scan) -> None:
    from fastapi.testclient import TestClient

    from retold.web.app import create_app

    path, _ = store_scan
    by_id = {p["id"]: p for p in PAIRS}
    with TestClient(create_app(path)) as http:
        health = http.get("/api/health").json()
        assert "minilm" in health["embedder"].lower() and health["store"]["embedder"] == "minilm", health
        r = http.post("/api/query", json={"document": by_id["summary-marathon"]["b"]["text"]})
        assert r.status_code == 200, r.text
        hits = {h["id"]: h for h in r.json()["hits"]}
        assert hits["marathon-agency"]["verdict"] == "copy"
        assert "semantic" in hits["marathon-agency"]["candidate"]["channels"]
        pair = by_id["paraphrase-stores"]
        r = http.post("/api/compare", json={"a": pair["a"]["text"], "b": pair["b"]["text"]})
        assert r.status_code == 200, r.text
        body = r.json()
    # copy or partial-reuse (the learned decision reads this 57%-reworded pair as partial since f5d7928)
    assert body["verdict"] in ("copy", "partial-reuse") and any(
        p["type"] == "paraphrased" for p in body["passages"]
    )
    # Sentence pairs the model aligned reach the tuned sentence cosine (match.semantic_threshold 0.72).
    cosines = [
        sp["semantic"] for p in body["passages"] for sp in p["sentence_pairs"] if sp["semantic"] is not None
    ]
    assert cosines and max(cosines) >= Settings().match.semantic_threshold, cosines


def test_compare_is_the_same_in_either_order(settings) -> None:
    """compare(a, b) is compare(b, a) mirrored, through the real model, on every hand-written pair.
    Before the matcher ran in a canonical order (retold.match.runs_swapped), 3 of them differed:
    ferry-paraphrase was copy one way and partial-reuse the other, so the store scan (rowid order)
    and the batch scan (id order) disagreed on its verdict."""
    from retold.pipeline import Detector

    det = Detector(settings)
    for pair in PAIRS:
        a, b = Document(pair["a"]["id"], pair["a"]["text"]), Document(pair["b"]["id"], pair["b"]["text"])
        x, y = det.compare(a, b), det.compare(b, a)
        assert (x.verdict, x.degree) == (y.verdict, y.degree), pair["id"]
        # (the same features summed in another order: equal up to float rounding)
        assert x.confidence == pytest.approx(y.confidence, abs=1e-3), pair["id"]
        assert (x.reuse_a, x.reuse_b) == pytest.approx((y.reuse_b, y.reuse_a), abs=1e-9), pair["id"]
        assert sorted((p.a, p.b, p.type) for p in x.passages) == sorted((p.b, p.a, p.type) for p in y.passages), pair["id"]
        assert x.attribution.source == {"a": "b", "b": "a", None: None}[y.attribution.source], pair["id"]
