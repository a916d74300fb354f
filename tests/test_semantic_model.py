"""Paraphrase and summary alignment with the real sentence model (self-written texts)."""

from __future__ import annotations

import pytest

from retold import Settings, compare

pytestmark = pytest.mark.model

SOURCE = """Harbour bridge to close for six months of repairs

The Millbrook harbour bridge will close to all traffic from 1 March for six months while engineers replace its corroded steel cables, the county council said on Tuesday.

About 14,000 vehicles cross the bridge every day, and drivers will be sent on a 12-mile diversion through the town centre. Council leader Anna Price said the closure was unavoidable after inspectors found that two of the main cables had lost almost a third of their strength.

Local businesses have warned that the diversion will cost them customers. The chamber of commerce estimated that shops on the harbour front could lose up to 40% of their trade during the works.

A free shuttle bus will run every 15 minutes between the two ends of the bridge, and cyclists and pedestrians will be able to use a temporary walkway from April. The repairs are expected to cost 18 million pounds, paid for by a government grant."""

PARAPHRASE = """Millbrook bridge shut for half a year of repair work

Engineers will replace the rusting steel cables of the harbour bridge in Millbrook, which is to be closed to every vehicle for six months starting on 1 March, according to an announcement by the county council on Tuesday.

Some 14,000 cars and lorries use the crossing each day, and motorists will be diverted along a 12-mile route via the middle of town. Anna Price, who leads the council, explained that there was no alternative once inspections showed two of the principal cables had lost nearly a third of their strength.

Traders in the area fear the detour will drive shoppers away. According to the chamber of commerce, stores along the harbour front might see their takings fall by as much as 40% while the work goes on.

During the closure a shuttle bus, free of charge, will link both sides of the bridge every quarter of an hour, and from April people on foot or on bikes can cross on a temporary walkway. The work is forecast to cost 18 million pounds, funded by a grant from the government."""

SUMMARY = """Millbrook harbour bridge closing for repairs

Millbrook's harbour bridge will be shut to traffic for six months from March so that its corroded cables can be replaced, with 14,000 daily drivers diverted through the town.

Shops on the harbour front fear losing up to 40% of their trade, while a free shuttle bus and a walkway will help people cross during the 18 million pound project."""

UNRELATED = """School wins national robotics prize

Pupils from Eastfield Academy have won a national robotics competition with a machine that sorts recycling by colour and material.

The team of six students, aged 13 to 15, spent eight months building the robot after school. Their teacher said the judges were impressed by how cheaply it could be built.

The school will use the 5,000 pound prize to open a new engineering club next year."""


@pytest.fixture(scope="module")
def settings():
    return Settings()


def test_fluent_paraphrase_is_found_paragraph_by_paragraph(settings):
    c = compare(SOURCE, PARAPHRASE, settings=settings)
    assert c.verdict == "copy"
    assert c.reuse_a > 0.9 and c.reuse_b > 0.9
    assert any(p.type == "paraphrased" for p in c.passages)
    # the quote paragraph of b aligns with the quote paragraph of a
    b_para = c.b_segments.sentences
    a_para = c.a_segments.sentences
    for p in c.passages:
        for sp in p.pairs:
            pa = {a_para[i].paragraph for i in sp.a}
            pb = {b_para[j].paragraph for j in sp.b}
            assert pa == pb, (sp, pa, pb)


def test_summary_sentences_align_to_the_sentences_they_condense(settings):
    c = compare(SOURCE, SUMMARY, settings=settings)
    assert c.verdict in ("copy", "partial-reuse")
    aligned_b = {j for p in c.passages for sp in p.pairs for j in sp.b}
    assert len(aligned_b) >= 2
    assert c.reuse_b >= 0.6


def test_unrelated_article_shares_nothing(settings):
    c = compare(SOURCE, UNRELATED, settings=settings)
    assert c.verdict == "unrelated" and not c.passages


def test_token_vectors_are_unit_length_without_special_tokens() -> None:
    import numpy as np

    from retold.embed.model import MiniLMEmbedder

    emb = MiniLMEmbedder()
    texts = ["The bridge will close for six months.", "Shops fear losing trade."]
    toks = emb.encode_tokens(texts)
    tokenizer = emb._load().tokenizer  # type: ignore[attr-defined]
    assert [t.shape for t in toks] == [(len(tokenizer.tokenize(x)), 384) for x in texts]
    assert all(np.allclose(np.linalg.norm(t, axis=1), 1.0, atol=1e-5) for t in toks)
    sent, again = emb.encode_with_tokens(texts)
    assert np.allclose(sent, emb.encode(texts), atol=1e-5) and all(np.array_equal(a, b) for a, b in zip(toks, again, strict=True))
    assert emb.encode_tokens([]) == []


def test_bfloat16_vectors_agree_with_float32() -> None:
    """precision="bf16" (chosen automatically where the CPU has it) must not move similarities."""
    import numpy as np

    from retold.embed.model import MiniLMEmbedder

    texts = [p.strip() for p in PARAPHRASE.split("\n\n")] + [p.strip() for p in SOURCE.split("\n\n")]
    fp32, bf16 = MiniLMEmbedder(precision="fp32"), MiniLMEmbedder(precision="bf16")
    a, b = fp32.encode(texts), bf16.encode(texts)
    assert not fp32.uses_bf16 and bf16.uses_bf16
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.999
    assert float(np.max(np.abs(a @ a.T - b @ b.T))) < 0.01
    with pytest.raises(Exception, match="precision"):
        MiniLMEmbedder(precision="int8")
