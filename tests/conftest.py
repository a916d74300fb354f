from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_A = EXAMPLES / "000_f1f864ec94766fbf.txt"
SEED_B = EXAMPLES / "001_fa24727afca519d2.txt"


@pytest.fixture(scope="session")
def fast_settings():
    from retold import Settings

    return Settings().replace(embed={"backend": "hash"})


@pytest.fixture(scope="session")
def seed_docs():
    from retold.ingest import read_document

    return read_document(SEED_A), read_document(SEED_B)
