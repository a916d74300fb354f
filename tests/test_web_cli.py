"""`retold serve`: options reach the app; uvicorn itself is replaced by a recorder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from retold.cli import main
from retold.config import Settings
from retold.corpus.archive import add_documents
from retold.store import Store
from retold.types import Document


@pytest.fixture()
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen["app"], seen["kwargs"] = app, kwargs

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv("RETOLD_TOKEN", raising=False)
    return seen


def test_defaults_bind_loopback_and_disable_writes(served: dict[str, Any]) -> None:
    assert main(["serve", "--embedder", "hash"]) == 0
    assert served["kwargs"]["host"] == "127.0.0.1" and served["kwargs"]["port"] == 8000
    with TestClient(served["app"], base_url="http://127.0.0.1:8000") as c:
        h = c.get("/api/health").json()
        assert h["writes"] is False and h["embedder"] == "hash-256"
        assert c.get("/api/health", headers={"Host": "attacker.example"}).status_code == 400


def test_token_from_env_and_limits_from_flags(served: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETOLD_TOKEN", "from-the-environment")
    assert main(["serve", "--embedder", "hash", "--port", "9001", "--max-body", "1000", "--max-docs", "7"]) == 0
    assert served["kwargs"]["port"] == 9001
    with TestClient(served["app"], base_url="http://localhost:9001") as c:
        h = c.get("/api/health").json()
        assert h["writes"] is True and h["limits"]["max_documents"] == 7
        assert c.post("/api/compare", json={"a": "x" * 2000, "b": "y"}).status_code == 413


def test_a_store_built_with_another_embedder_is_refused_when_one_is_named(
    served: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    hashed = Settings().replace(embed={"backend": "hash"})
    with Store(db, settings=hashed) as st:
        add_documents(st, [Document(id="x", text="The council approved the bridge on Monday.")], settings=hashed)
    assert main(["serve", str(db), "--embedder", "minilm"]) == 2
    assert "embedder" in capsys.readouterr().err and "app" not in served
    assert main(["serve", str(db)]) == 0  # without --embedder the store's settings are adopted


def test_a_missing_store_says_how_to_make_one(served: dict[str, Any], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(tmp_path / "none.db")]) == 2
    assert "retold add" in capsys.readouterr().err
