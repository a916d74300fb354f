"""Load :class:`~retold.config.Settings`: defaults < TOML file < environment < explicit overrides.

The file is TOML with one table per group::

    [match]
    min_similarity = 0.55
    [embed]
    backend = "hash"

Environment variables are ``RETOLD_<GROUP>__<KEY>``, e.g. ``RETOLD_EMBED__BACKEND=hash``; nested
settings add a level, e.g. ``RETOLD_MATCH__TUNING__GAP_MAX=8`` (``[match.tuning]`` in TOML).
``RETOLD_CONFIG`` names a file when none is given.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from retold.config import Settings
from retold.errors import ConfigError

ENV_PREFIX = "RETOLD_"


def _merge(into: dict[str, dict[str, Any]], data: Mapping[str, Any], where: str) -> None:
    for group, values in data.items():
        if not isinstance(values, Mapping):
            raise ConfigError(f"{where}: [{group}] must be a table of settings, got {values!r}")
        _deep_update(into.setdefault(group, {}), values)


def _deep_update(into: dict[str, Any], values: Mapping[str, Any]) -> None:
    """Nested tables (``[match.tuning]``) merge key by key, so a later source changes one key."""
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _deep_update(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


def load_settings(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Settings from a TOML file, ``RETOLD_*`` variables and explicit overrides (in that order)."""
    env = os.environ if env is None else env
    merged: dict[str, dict[str, Any]] = {}
    path = path or env.get(f"{ENV_PREFIX}CONFIG")
    if path:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"settings file {p} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"settings file {p} is not valid TOML: {exc}") from None
        _merge(merged, data, str(p))
    for key, value in env.items():
        if key.startswith(ENV_PREFIX) and "__" in key:
            group, *nesting, name = key[len(ENV_PREFIX) :].lower().split("__")
            table = merged.setdefault(group, {})
            for part in nesting:  # RETOLD_MATCH__TUNING__GAP_MAX -> match.tuning.gap_max
                table = table.setdefault(part, {})
            table[name] = value
    if overrides:
        _merge(merged, overrides, "overrides")
    return Settings.from_mapping(merged)
