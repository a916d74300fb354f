"""One exception tree. Every message says what was wrong and how to fix it.

::

    RetoldError
    ├── ConfigError (ValueError)        a setting has a bad value or settings cannot be mixed
    │   └── SettingsMismatchError       a store was built with other signature settings
    ├── InputError (ValueError)         a document or record cannot be read
    │   └── DocumentTooLargeError       a document exceeds ``ingest.max_document_chars``
    ├── ModelError (RuntimeError)       the sentence model is missing or failed to load
    ├── StoreError (RuntimeError)       the SQLite store cannot be opened, migrated or written
    │   └── NotFoundError (KeyError)    no document with that id
    ├── SparkError (RuntimeError)       the Spark backend is unavailable or a stage failed
    └── FetchError (RuntimeError)       a feed or page could not be fetched (``retold watch``)
        ├── ResponseTooLargeError       a response is larger than ``stream.max_bytes``
        └── RobotsDisallowedError       the site's robots.txt forbids the address
"""

from __future__ import annotations


class RetoldError(Exception):
    """Base of every error retold raises on purpose."""


class ConfigError(RetoldError, ValueError):
    """A setting has a bad value."""


class SettingsMismatchError(ConfigError):
    """A store was built with different signature settings than the ones in use."""


class InputError(RetoldError, ValueError):
    """A document or record cannot be read; the message names the file and record."""


class DocumentTooLargeError(InputError):
    """A document is larger than the configured maximum."""


class ModelError(RetoldError, RuntimeError):
    """The sentence model is missing or failed to load."""


class StoreError(RetoldError, RuntimeError):
    """The store cannot be opened, migrated or written."""


class NotFoundError(StoreError, KeyError):
    """No document with that id."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else "not found"


class SparkError(RetoldError, RuntimeError):
    """The Spark backend is unavailable or one of its stages failed."""


class FetchError(RetoldError, RuntimeError):
    """A feed or page could not be fetched. ``retryable``: a later attempt may succeed (5xx, timeout)."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retryable = retryable


class ResponseTooLargeError(FetchError):
    """A response is larger than ``stream.max_bytes``."""


class RobotsDisallowedError(FetchError):
    """The site's robots.txt forbids fetching the address."""
