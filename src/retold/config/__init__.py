"""One ``Settings`` object, grouped by pipeline stage.

Precedence is defaults < TOML file < ``RETOLD_*`` environment < CLI flags; the loading lives in
:mod:`retold.config.files` (it reads files and the environment), this module only builds and checks.

>>> s = Settings().replace(match={"min_similarity": 0.6})
>>> s.match.min_similarity
0.6
>>> Settings.from_mapping({"embed": {"backend": "hash"}}).embed.backend
'hash'
>>> Settings().replace(match={"tuning": {"extension_dice": "0.5"}}).match.tuning.extension_dice
0.5
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from retold.errors import ConfigError

# 2: hard-wrapped text keeps its paragraphs; wire furniture (rules, slugs, bylines) is dropped.
NORMALISER_VERSION = 2


@dataclass(frozen=True, slots=True)
class NormaliseSettings:
    version: int = NORMALISER_VERSION
    # Join paragraphs split in the middle of a sentence (a common artefact of republishing).
    repair_breaks: bool = True


@dataclass(frozen=True, slots=True)
class SegmentSettings:
    # Sentences shorter than this many word tokens are merged into a neighbour when possible.
    min_tokens: int = 3
    # Sentences of one document that are compared; later ones are left out and the result says
    # `truncated`. Matching is n x m in sentences: two documents of 4,000 repetitive sentences
    # take ~13 s and ~0.9 GB, 6,700 (the 500k-character limit) took ~35 s and ~2.4 GB. News runs
    # ~130 characters a sentence, so natural text reaches the cap only near the size limit.
    max_sentences: int = 4000


@dataclass(frozen=True, slots=True)
class FingerprintSettings:
    shingle_size: int = 3
    num_perm: int = 128
    seed: int = 1
    # LSH bands x rows must equal num_perm; 32 x 4 puts the S-curve midpoint near Jaccard 0.42.
    bands: int = 32
    rows: int = 4


@dataclass(frozen=True, slots=True)
class EmbedSettings:
    backend: Literal["minilm", "hash"] = "minilm"
    model: str = "all-MiniLM-L6-v2"
    batch_size: int = 64
    # Dimension of the deterministic hashing fake.
    hash_dim: int = 256
    # Torch threads for the model (0 = torch's default, one per core). On a busy 2-core machine
    # 1 thread uses ~3x less CPU per sentence than 2, whose OpenMP threads spin waiting.
    threads: int = 0
    # auto: bfloat16 where the CPU has it natively (2x faster, pair cosines within 0.003 of
    # float32's; see retold.embed.model), else float32. fp32 / bf16 force one.
    precision: Literal["auto", "fp32", "bf16"] = "auto"


@dataclass(frozen=True, slots=True)
class MatchTuning:
    """Every number the sentence matcher (:mod:`retold.match`) decides by, grouped by its pass.

    Set by hand on the project's own sets (core quality, summaries, embedded paragraphs, PAN13);
    each comment keeps the number that justified the value. Change one with
    ``Settings().replace(match={"tuning": {"extension_dice": 0.5}})``, ``[match.tuning]`` in TOML or
    ``RETOLD_MATCH__TUNING__EXTENSION_DICE``; a bench can switch a pass off in
    :data:`retold.match.passes.PASSES` or sweep one field here.
    """

    # -- lexical_anchors ---------------------------------------------------------------------
    # Shared content weight below which a lexical pair is not evidence (about three ordinary words).
    min_overlap_weight: float = 3.0
    # Containment above which one sentence counts as taken from the other (splits and joins).
    fragment_containment: float = 0.65
    # ... while the other sentence still has this share of its weight in the pair (a split half
    # holds at least a fifth of its source sentence; less is a shared phrase).
    fragment_partner_containment: float = 0.2
    # Anchor candidates kept per sentence (best by Dice), on each side: bounds the anchors to
    # O((n + m) k) on repetitive text (boilerplate, lists).
    candidates_per_sentence: int = 5
    # Anchors are taken by Dice, ties broken by shared weight times this (Dice differences on real
    # pairs are > 0.01, shared weights < 10: the tie-break never overrides a Dice difference).
    overlap_tiebreak: float = 0.001
    # A first sentence with at most this many tokens and no full stop, alone in its paragraph,
    # is a headline (headlines pair only with each other).
    title_max_tokens: int = 15

    # -- extension ---------------------------------------------------------------------------
    # All-token Dice for aligning the neighbour of a group (short quotes like "What is it?" carry
    # no content words but sit inside reuse).
    extension_dice: float = 0.45

    # -- semantic_pairs (which sentences are embedded, and the pairing) -----------------------
    # Unmatched sentences are embedded only when some sentence of the other side shares this Dice.
    embed_min_dice: float = 0.1
    # One-to-one lexical anchors below this Dice are also scored by the embedder.
    weak_anchor_dice: float = 0.65
    # With no lexical group at all, the embedder runs only when the documents' weighted Jaccard
    # reaches this: same-story pairs share names and numbers (~0.1+), unrelated ~0.02-0.05.
    embed_min_jaccard: float = 0.08
    # A semantic pair must be the best of its row and of its column, or the best of one of them
    # and this far above ``semantic_threshold``.
    semantic_margin: float = 0.1

    # -- semantic_extension ------------------------------------------------------------------
    # Cosine for a semantic neighbour of a group, lower than for a free-standing pair.
    extension_cosine: float = 0.62

    # -- semantic_joins ----------------------------------------------------------------------
    # A neighbour joins a semantic group when the group's cosine rises by this much with it
    # (true neighbours on hand-written paraphrases: 0.70 -> 0.83), and the neighbour alone is
    # at least join_min_cosine similar to the other side.
    join_gain: float = 0.02
    join_min_cosine: float = 0.45

    # -- summary_chain -----------------------------------------------------------------------
    # Windows of up to 3 source sentences; the cosine to the window (a summary sentence scores
    # 0.55-0.75 against any single source sentence); the chain length needed when nothing else
    # is aligned (two articles on one event also open with similar sentences).
    summary_window: int = 3
    summary_cosine: float = 0.66
    summary_min_chain: int = 3
    # Each link adds (cosine - summary_cosine + this) to the chain's gain, so a link just at the
    # threshold still lengthens the chain.
    summary_link_bonus: float = 0.05

    # -- sandwiches --------------------------------------------------------------------------
    # Similarity enough for a sentence sandwiched between aligned groups on both sides.
    sandwich_dice: float = 0.2
    sandwich_cosine: float = 0.45

    # -- widen_weak_singles, summary_gaps ----------------------------------------------------
    # A summary sentence between two aligned groups may fuse several sentences of the source gap
    # between them ("The system was built by Intel ...; before it arrived, workers carried floppy
    # disks ..." from three sentences, cosine <= 0.56 to any window of them): it takes the window
    # of up to gap_window gap sentences that holds gap_containment of its content-word weight, less
    # gap_extra_sentence_penalty per extra sentence. Gaps longer than gap_max a sentences or
    # gap_max_b b sentences are left alone; so are headlines.
    gap_containment: float = 0.5
    gap_window: int = 4
    gap_max: int = 12
    gap_max_b: int = 2
    gap_extra_sentence_penalty: float = 0.05
    # A weak one-to-one group widens only when the window adds this much containment to it.
    widen_min_gain: float = 0.2

    # -- headlines ---------------------------------------------------------------------------
    # Two free headlines pair once the bodies share this many aligned groups, when their content
    # Dice reaches headline_dice (one shared name in a five-word headline is ~0.2-0.4) or their
    # cosine headline_cosine ("Jowell rejects 'Las Vegas' jibe" / "... dismisses ... taunt": 0.8;
    # two headlines on one topic by different desks score 0.3-0.5).
    headline_min_groups: int = 2
    headline_dice: float = 0.25
    headline_cosine: float = 0.55


@dataclass(frozen=True, slots=True)
class MatchSettings:
    # Lexical sentence similarity at or above which two sentences are aligned without embeddings.
    min_similarity: float = 0.5
    # Cosine similarity of sentence embeddings at or above which two sentences are paraphrases.
    semantic_threshold: float = 0.72
    # Use embeddings at all (False = lexical only, fastest).
    semantic: bool = True
    # Fewest content words a sentence needs to be matched alone.
    min_content_tokens: int = 3
    # The matcher's passes' own numbers (nested: ``match={"tuning": {...}}``).
    tuning: MatchTuning = field(default_factory=MatchTuning)


@dataclass(frozen=True, slots=True)
class AlignSettings:
    # Unaligned sentences a passage may step over, only where both sides have them (a rewrite too
    # loose to align); a gap on one side (a dropped or inserted sentence) always ends a passage.
    max_gap: int = 0
    min_passage_chars: int = 30


@dataclass(frozen=True, slots=True)
class VerdictTuning:
    """The rule filters' numbers (``retold.pipeline``): which proposed passages are evidence of
    reuse on their own, which weak ones stay, and the attribution cues. Nested in
    ``VerdictSettings`` (``verdict={"tuning": {...}}``, TOML ``[verdict.tuning]``,
    ``RETOLD_VERDICT__TUNING__STRONG_COSINE``)."""

    # A passage made of one sentence group must be this similar: one shared boilerplate phrase
    # ("told BBC One's Breakfast with Frost programme") otherwise passes for reuse (lexical ~0.57).
    single_passage_min_score: float = 0.65
    # A passage is evidence on its own with a sentence at this Dice or cosine, or this many groups.
    strong_lexical: float = 0.75
    strong_cosine: float = 0.88
    strong_run: int = 3
    strong_run_mean: float = 0.7
    # ... or this many characters word for word (about eight words), or this many words in a row
    # (stock phrases such as "Lib Dem leader Charles Kennedy has said" stay under it).
    strong_verbatim_chars: int = 50
    strong_run_words: int = 10
    # Weak passages stay when, in order, they cover this share of the shorter article's sentences.
    weak_coverage: float = 0.5
    # ... where this share of consecutive aligned groups advance on both sides (in order) ...
    ordered_share: float = 0.8
    # ... or when they lie within this many sentences of strong reuse on both sides.
    weak_neighbourhood: int = 2
    # Sentence groups whose word order is this well kept (difflib ratio) count as spinner output;
    # looser rewording is a paraphrase, whose word choices say nothing about direction.
    spin_min_ratio: float = 0.7
    # An inserted block (see _inserted_blocks): the host's text around it shares less than this
    # weighted Jaccard with the other document, and has at least this many sentences.
    insert_max_background: float = 0.05
    insert_min_host: int = 4
    # A group condenses when one sentence sums up several of the other side in under this share of
    # their characters (attribution evidence: the condensed side is the summary).
    condensed_ratio: float = 0.7
    # Evidence that stands on its own, over the learned decision: a run of this many words kept
    # word for word outside quotation marks, a narrative sentence (METER dev: 10 of 98 independent
    # articles share a run of 15, mostly charge lists and press-release text; 0 share one of 40),
    # or a block pasted into an unrelated text (insert_* above). Such a pair is reuse with
    # P(reuse) at least hard_evidence_probability.
    hard_narrative_words: int = 15
    hard_evidence_probability: float = 0.95
    # Same-story against unrelated: weighted Jaccard of content stems (same-event BBC pairs
    # ~0.15-0.3, same-topic others < 0.1).
    same_story_jaccard: float = 0.15
    # Rule confidences: copy 0.55 + 0.25 x margin + 0.2 x score; partial 0.45 + 0.3 x
    # min(1, chars / partial_full_chars) + 0.2 x score.
    partial_full_chars: int = 400


@dataclass(frozen=True, slots=True)
class VerdictSettings:
    # Share of the smaller side's text that must be reused for a `copy` verdict.
    copy_share: float = 0.5
    # Fewest reused characters (in b) for `partial-reuse`.
    partial_min_chars: int = 80
    # Attribution below this confidence is reported as undetermined.
    min_source_confidence: float = 0.6
    # The rule filters' numbers (nested: ``verdict={"tuning": {...}}``).
    tuning: VerdictTuning = field(default_factory=VerdictTuning)


@dataclass(frozen=True, slots=True)
class DecisionSettings:
    """The learned pair decision (:mod:`retold.decision`).

    ``learned`` off falls back to the rule verdict alone (the filters in ``VerdictTuning``);
    ``model`` names a model file made by ``retold train --out`` (empty: the one shipped in the
    package, ``retold/data/decision.json``).

    ``sentence_threshold``: when the pair is judged reuse and the rule filters dropped some of
    its proposed passages, a dropped passage is reported after all when the model's sentence
    judgement gives its sentences (on the shorter article) a mean P(derived) at or above this.
    0.5 is the plain decision point of a calibrated probability, not a fitted cut-off; on METER
    dev (5-fold by story) it raises reused-token F1 0.64 -> 0.69 (bench/eval_meter.py).

    ``false_reuse_cost``: how many missed reuses one independent report called reuse is worth.
    The model's P(reuse) is calibrated on real newsroom copy (METER), so the pair is called reuse
    when P(reuse) >= cost / (1 + cost), the threshold that minimises the expected cost (2.0:
    P >= 2/3). Telling a newsroom that a rival copied it, when the rival was in court too, does
    more harm than missing a rewrite, so the default weighs that error double. 1.0 (P >= 0.5)
    maximises accuracy; docs/benchmarks.md (METER section) tabulates the trade-off.
    """

    learned: bool = True
    model: str = ""
    sentence_threshold: float = 0.5
    false_reuse_cost: float = 2.0

    def __post_init__(self) -> None:
        if not self.false_reuse_cost > 0 or self.false_reuse_cost == float("inf"):
            raise ConfigError(f"decision.false_reuse_cost must be a positive number (1.0 weighs both errors the "
                              f"same), got {self.false_reuse_cost}")
        if not 0.0 <= self.sentence_threshold <= 1.0:
            raise ConfigError(f"decision.sentence_threshold must be within 0..1, got {self.sentence_threshold}")

    @property
    def reuse_threshold(self) -> float:
        """The P(reuse) at which a pair is called reuse: cost / (1 + cost)."""
        return self.false_reuse_cost / (1.0 + self.false_reuse_cost)


@dataclass(frozen=True, slots=True)
class IngestSettings:
    # ~80k words. Compare holds sentence x sentence matrices: two documents at this size (~5k
    # sentences each) take ~400 MB and ~15 s; raise it for long reports if memory allows.
    max_document_chars: int = 500_000
    encoding: str | None = None


@dataclass(frozen=True, slots=True)
class CandidateSettings:
    """Which document pairs are compared: the rules of the candidate channels
    (:mod:`retold.candidates.channels`), the same for the store scan (``retold scan DB``),
    ``retold query``, the batch scan (``--engine local`` and ``--engine spark``) and the service.
    TOML ``[candidates]``, ``RETOLD_CANDIDATES__MIN_JACCARD``. The signature knobs live in
    ``fingerprint``.
    """

    # Lexical (MinHash-LSH): a pair sharing a band is kept when its estimated Jaccard reaches this.
    min_jaccard: float = 0.05
    # A band bucket (or, for containment, a fingerprint) in more documents than this is
    # boilerplate (agency footers, stock phrases), not evidence: its pairs are not proposed.
    max_bucket: int = 1000
    # Containment: winnowed fingerprints two documents must share (3 = a shared run of ~3 windows,
    # ~40 words; 1 would pair every two texts quoting the same phrase) ...
    min_shared_fingerprints: int = 3
    # ... and their share of the smaller side's fingerprints. Off (0.0) by default: a pasted
    # paragraph of a long article is a small share of either side, and any share floor hides it
    # (0.2 lost one paragraph of wire copy in a feature, 4 shared of 27, and a planted excerpt).
    # The compare judges what the channel proposes (BBC with MiniLM: 898 -> 1,669 candidates,
    # 697 -> 893 reuse pairs, docs/benchmarks.md). Raise it to trade such excerpts for fewer compares.
    min_containment: float = 0.0
    max_fingerprint_df: int = 50
    # Semantic (retold.candidates.semantic), over the lead's vector (first ``lead_words`` words) in
    # an ANN index (the store's, or one the batch scan builds over the corpus): the
    # ``semantic_k`` nearest neighbours at a cosine of at least the backend's floor (MiniLM leads of
    # one story ~0.8+, same-topic ~0.5-0.7; the hashing fake scores lower) and standing out from a
    # background sample of the index by ``semantic_min_z`` standard deviations.
    lead_words: int = 60
    semantic_k: int = 5
    semantic_floor_minilm: float = 0.75
    semantic_floor_hash: float = 0.55
    semantic_min_z: float = 5.0
    # The background: a fixed, evenly spaced sample of this many indexed vectors, estimated from
    # this many documents up (below it the sample would be the corpus itself).
    semantic_background_sample: int = 512
    semantic_background_min_docs: int = 200
    # The semantic self-search runs over this many query rows at a time: it bounds the memory of
    # each step (rows x background sample x 4 bytes: 32 MB), not the result.
    semantic_query_block: int = 16_384

    def __post_init__(self) -> None:
        if self.min_shared_fingerprints < 1:
            raise ConfigError(f"candidates.min_shared_fingerprints must be >= 1, got {self.min_shared_fingerprints}")
        for name in ("min_jaccard", "min_containment", "semantic_floor_minilm", "semantic_floor_hash"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"candidates.{name} must be within [0, 1], got {v}")
        if self.semantic_query_block < 1:
            raise ConfigError(f"candidates.semantic_query_block must be >= 1, got {self.semantic_query_block}")
        if self.semantic_k < 1 or self.semantic_background_sample < 2 or self.semantic_background_min_docs < 2:
            raise ConfigError("candidates.semantic_k must be >= 1, semantic_background_sample and "
                              "semantic_background_min_docs >= 2")
        for name in ("max_bucket", "max_fingerprint_df"):
            if getattr(self, name) < 2:
                raise ConfigError(f"candidates.{name} must be >= 2 (a bucket of one pairs nothing), got {getattr(self, name)}")

    def semantic_floor(self, backend: str) -> float:
        return self.semantic_floor_hash if backend == "hash" else self.semantic_floor_minilm


@dataclass(frozen=True, slots=True)
class CorpusSettings:
    top_k: int = 20
    batch_size: int = 256


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """The store-less batch scan (``retold scan --input``, local and Spark;
    ``retold.batch.local.BatchOptions`` is this class). Its candidate rules are the store's, in
    ``candidates``; here is only whether the semantic channel (lead vectors, nearest neighbours)
    runs at all: off, the scan embeds nothing for candidates.
    """

    semantic: bool = True


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """Knobs of ``retold watch`` (:mod:`retold.stream`): polling, the feed client and its manners.

    Feeds are polled every ``poll_interval_s`` (a news feed changes every few minutes; 120 s keeps
    a site's load at one conditional GET, mostly a 304, per two minutes). A failing feed waits
    ``poll_interval_s x 2^failures``, at most ``max_backoff_s``, so it never holds up the others.
    """

    poll_interval_s: float = 120.0
    # Folders are a local listdir: cheap, so they are looked at often.
    folder_interval_s: float = 2.0
    # A file in a watched folder is read once it has not changed for this long (still being written).
    settle_s: float = 0.5
    timeout_s: float = 10.0
    # Retries of one request after a connection error, a timeout, 429 or 5xx, with exponential
    # backoff from backoff_s (0.5 s, 1 s, ...), honouring Retry-After up to max_backoff_s.
    retries: int = 2
    backoff_s: float = 0.5
    max_backoff_s: float = 3600.0
    # Bytes read of any response (feed, page, robots.txt); a news page is 50-500 kB of HTML.
    max_bytes: int = 5_000_000
    # Least time between two requests to one host (1 s is the usual crawler courtesy).
    host_interval_s: float = 1.0
    user_agent: str = "retold-watch/0.1 (news text-reuse monitor; https://github.com/retold/retold)"
    robots: bool = True
    robots_ttl_s: float = 3600.0
    # An article whose page keeps failing (5xx, timeouts) is given up after this many attempts.
    max_attempts: int = 3
    # Feeds polled and pages fetched at once (each host still gets one request per
    # host_interval_s): a slow or failing site then delays only its own articles.
    fetch_workers: int = 4

    def __post_init__(self) -> None:
        for name in ("poll_interval_s", "folder_interval_s", "timeout_s", "host_interval_s", "settle_s", "backoff_s"):
            if getattr(self, name) < 0:
                raise ConfigError(f"stream.{name} must be >= 0, got {getattr(self, name)}")
        if self.max_bytes < 1024:
            raise ConfigError(f"stream.max_bytes must be at least 1024 (a feed is kilobytes), got {self.max_bytes}")
        if self.fetch_workers < 1:
            raise ConfigError(f"stream.fetch_workers must be >= 1, got {self.fetch_workers}")
        if self.retries < 0 or self.max_attempts < 1:
            raise ConfigError(f"stream.retries must be >= 0 and stream.max_attempts >= 1, got "
                              f"{self.retries} and {self.max_attempts}")


@dataclass(frozen=True, slots=True)
class Settings:
    normalise: NormaliseSettings = field(default_factory=NormaliseSettings)
    segment: SegmentSettings = field(default_factory=SegmentSettings)
    fingerprint: FingerprintSettings = field(default_factory=FingerprintSettings)
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    match: MatchSettings = field(default_factory=MatchSettings)
    align: AlignSettings = field(default_factory=AlignSettings)
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    decision: DecisionSettings = field(default_factory=DecisionSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    candidates: CandidateSettings = field(default_factory=CandidateSettings)
    corpus: CorpusSettings = field(default_factory=CorpusSettings)
    batch: BatchSettings = field(default_factory=BatchSettings)
    stream: StreamSettings = field(default_factory=StreamSettings)

    def __post_init__(self) -> None:
        fp = self.fingerprint
        if fp.bands * fp.rows != fp.num_perm:
            raise ConfigError(
                f"fingerprint.bands x fingerprint.rows must equal fingerprint.num_perm: "
                f"{fp.bands} x {fp.rows} = {fp.bands * fp.rows}, num_perm = {fp.num_perm}. "
                f"Try bands={fp.num_perm // max(fp.rows, 1)} with rows={fp.rows}."
            )
        for name in ("min_similarity", "semantic_threshold"):
            v = getattr(self.match, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"match.{name} must be within [0, 1], got {v}")
        if self.fingerprint.shingle_size < 1:
            raise ConfigError(f"fingerprint.shingle_size must be >= 1, got {self.fingerprint.shingle_size}")
        if self.segment.max_sentences < 1:
            raise ConfigError(f"segment.max_sentences must be >= 1, got {self.segment.max_sentences}")
        if self.embed.backend not in ("minilm", "hash"):
            raise ConfigError(f"embed.backend must be 'minilm' or 'hash', got {self.embed.backend!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Settings:
        """Build settings from nested ``{"group": {"key": value}}``; unknown keys are errors."""
        return cls().replace(**data)

    def replace(self, **groups: Mapping[str, Any]) -> Settings:
        """A copy with some keys of some groups changed: ``s.replace(match={"min_similarity": .6})``."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for gname, values in groups.items():
            if gname not in known:
                raise ConfigError(f"unknown settings group {gname!r}; known groups: {', '.join(sorted(known))}")
            group = getattr(self, gname)
            gfields = {f.name: f for f in fields(group)}
            updates = {}
            for key, value in dict(values).items():
                if key not in gfields:
                    raise ConfigError(
                        f"unknown setting {gname}.{key}; {gname} has: {', '.join(sorted(gfields))}"
                    )
                updates[key] = _coerce(f"{gname}.{key}", getattr(group, key), value)
            changes[gname] = dataclasses.replace(group, **updates)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {f.name: dataclasses.asdict(getattr(self, f.name)) for f in fields(self)}

    def signature_settings(self) -> dict[str, Any]:
        """The settings that change stored signatures and vectors; a store refuses to mix them."""
        fp = self.fingerprint
        return {
            "normaliser_version": self.normalise.version,
            "shingle_size": fp.shingle_size,
            "num_perm": fp.num_perm,
            "seed": fp.seed,
            "bands": fp.bands,
            "rows": fp.rows,
            "embedder": f"{self.embed.backend}:{self.embed.model if self.embed.backend == 'minilm' else self.embed.hash_dim}",
        }

    def digest(self) -> str:
        """What saved results depend on; the stream group only schedules fetches, so it is left out
        (changing a poll interval must not make a scan compare every pair again)."""
        groups = {k: v for k, v in self.to_dict().items() if k != "stream"}
        return hashlib.sha256(json.dumps(groups, sort_keys=True).encode()).hexdigest()[:16]


def _coerce(name: str, current: Any, value: Any) -> Any:
    """Convert strings from env/CLI to the type of the default, with a clear error; a mapping
    for a nested settings object (``match.tuning``) changes some of its keys."""
    if dataclasses.is_dataclass(current) and not isinstance(current, type) and isinstance(value, Mapping):
        nested = {f.name for f in fields(current)}
        updates = {}
        for key, v in value.items():
            if key not in nested:
                raise ConfigError(f"unknown setting {name}.{key}; {name} has: {', '.join(sorted(nested))}")
            updates[key] = _coerce(f"{name}.{key}", getattr(current, key), v)
        return dataclasses.replace(current, **updates)
    if current is None or value is None:
        return value
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        s = str(value).strip().lower()
        if s in ("1", "true", "yes", "on"):
            return True
        if s in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    if isinstance(current, int) and not isinstance(current, bool):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if isinstance(current, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number, got {value!r}") from None
    return value
