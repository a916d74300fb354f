"""Request bodies, validated by pydantic (and described in the OpenAPI schema), turned into Documents.

A document in a request is either a string (its text, which may start with a ``date YYYY-MM-DD``
marker, exactly as in a file) or an object ``{"text", "date", "title", "url", "outlet", "id"}``.

>>> to_document("  date 2021-10-31 Officials said so.", default_id="a", max_chars=100).date.isoformat()
'2021-10-31'
>>> to_document(DocumentIn(text="Hi.", title="T"), default_id="b", max_chars=100).title
'T'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from retold.errors import DocumentTooLargeError
from retold.ingest import document_from_mapping, parse_text
from retold.types import Document


class DocumentIn(BaseModel):
    """One article. Only ``text`` is required; ``date`` (ISO 8601) lets dates decide the source."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The article text; spans in the answer point into it.")
    id: str | None = Field(default=None, max_length=512)
    date: str | None = Field(default=None, description="Publication date, YYYY-MM-DD.", examples=["2021-10-31"])
    title: str | None = None
    url: str | None = None
    outlet: str | None = None


DocumentLike = str | DocumentIn


class CompareRequest(BaseModel):
    """Two articles to compare. Each is a string or a document object."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "a": " date 2021-10-31 The minister said the plan would cost 5 billion pounds.",
                    "b": {"text": "The minister announced the plan would cost 5 billion pounds.", "date": "2021-11-01"},
                }
            ]
        },
    )

    a: DocumentLike = Field(description="The first article: its text, or a document object.")
    b: DocumentLike = Field(description="The second article: its text, or a document object.")


class QueryRequest(BaseModel):
    """One article to check against the store."""

    model_config = ConfigDict(extra="forbid")

    document: DocumentLike = Field(description="The article to check: its text, or a document object.")
    top_k: int = Field(default=10, ge=1, le=100, description="Most matches to return.")


class AddRequest(BaseModel):
    """Documents to add to the store (each needs an ``id``, or one is derived from its content)."""

    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentIn] = Field(description="The documents; an existing id is replaced.")


def to_document(x: DocumentLike, *, default_id: str, max_chars: int) -> Document:
    """A Document from a request value; dates are checked and the size limit is enforced."""
    if isinstance(x, str):
        text = x
    else:
        text = x.text
    if len(text) > max_chars:
        raise DocumentTooLargeError(
            f"document {default_id!r} has {len(text):,} characters, more than ingest.max_document_chars "
            f"= {max_chars:,}; send a shorter text or raise the setting"
        )
    if isinstance(x, str):
        return parse_text(x, id=default_id)
    fields: dict[str, Any] = x.model_dump(exclude_none=True)
    return document_from_mapping(fields, default_id=default_id, where=f"document {x.id or default_id!r}")
