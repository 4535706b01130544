"""Parts chosen by name (``--detector yolo``, ``--source cloud``): one small registry type.

Entries are ``"module:attr"`` strings, imported on first use (so a registry imports none of its
parts, and a part's dependencies load only when it is chosen), or callables.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, entries: dict[str, str | Callable[..., T]]):
        self.kind = kind  # "detector", "source": says what an error is about
        self._entries = dict(entries)

    def register(self, name: str, factory: str | Callable[..., T], *, replace: bool = False) -> None:
        if name in self._entries and not replace:
            raise ValueError(f"{self.kind} {name!r} is already registered (pass replace=True)")
        self._entries[name] = factory

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def factory(self, name: str) -> Callable[..., T]:
        """The callable registered as ``name`` (KeyError when there is none)."""
        entry = self._entries[name]
        if isinstance(entry, str):
            module, _, attr = entry.partition(":")
            return getattr(importlib.import_module(module), attr)
        return entry
