"""retold: news text-reuse detection.

>>> import retold
>>> c = retold.compare("The minister said the plan would cost 5 billion pounds over ten years.",
...                    "The minister announced the plan would cost 5 billion pounds over ten years.",
...                    settings=retold.Settings().replace(embed={"backend": "hash"}))
>>> c.verdict, c.passages[0].type
('copy', 'spun')
"""

from __future__ import annotations

from retold.config import Settings
from retold.errors import (
    ConfigError,
    InputError,
    ModelError,
    NotFoundError,
    RetoldError,
    SettingsMismatchError,
    StoreError,
)
from retold.pipeline import Detector, Prepared, compare
from retold.types import (
    Attribution,
    Comparison,
    Document,
    Edit,
    Passage,
    Segmented,
    Sentence,
    SentencePair,
    Span,
)

__all__ = [
    "Attribution",
    "Comparison",
    "ConfigError",
    "Detector",
    "Document",
    "Edit",
    "InputError",
    "ModelError",
    "NotFoundError",
    "Passage",
    "Prepared",
    "RetoldError",
    "Segmented",
    "Sentence",
    "SentencePair",
    "Settings",
    "SettingsMismatchError",
    "Span",
    "Store",
    "StoreError",
    "compare",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The store pulls in SQLite and the ANN index: import it only when asked for.
    if name == "Store":
        from retold.store import Store

        return Store
    raise AttributeError(f"module 'retold' has no attribute {name!r}")
