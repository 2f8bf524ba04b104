"""Errors a user can fix. Each message says what went wrong and how to fix it.

Front ends turn a :class:`RagError` into a one-line message and an exit code
(CLI) or a polite reply (bot); anything else is a bug and is logged as such.
"""

from __future__ import annotations

from collections.abc import Iterable


class RagError(Exception):
    """Base class of every error the user can act on."""

    exit_code = 1


def _choices(values: Iterable[str], limit: int = 12) -> str:
    items = sorted(values, key=_natural_key)
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


def _natural_key(value: str) -> tuple[object, ...]:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", value))


class InputError(RagError):
    """A path, file or argument that cannot be used."""

    exit_code = 2


class UnsupportedFormat(InputError):
    def __init__(self, path: object, suffix: str, valid: Iterable[str]) -> None:
        super().__init__(
            f"{path}: unsupported file type '{suffix or '(none)'}'; "
            f"supported: {', '.join(sorted(valid))}"
        )


class ParseError(InputError):
    """A file that could be read but not understood."""


class EmptyIndex(RagError):
    def __init__(self) -> None:
        super().__init__("the index is empty: run `reportbot ingest` (default: corpus/) first")


class UnknownDocument(RagError):
    def __init__(self, doc: str, known: Iterable[str]) -> None:
        known = list(known)
        hint = f"indexed: {_choices(known)}" if known else "the index is empty"
        super().__init__(f"unknown document '{doc}'; {hint} (see `reportbot docs`)")


class UnknownLabel(RagError):
    def __init__(self, doc: str, label: str, known: Iterable[str]) -> None:
        super().__init__(f"{doc} has no paragraph '{label}'; it has: {_choices(known)}")


class IndexMismatch(RagError):
    """The index was built by another parser or embedding model."""

    def __init__(self, what: str, stored: str, current: str) -> None:
        super().__init__(
            f"the index was built with {what} {stored!r}, this version uses {current!r}: "
            "run `reportbot ingest --rebuild` to rebuild it"
        )


class StoreUnavailable(RagError):
    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            f"cannot reach the vector store at {where} ({reason}); "
            "check RAG_CHROMA_URL or unset it to use the embedded store"
        )


class EmbeddingUnavailable(RagError):
    """The embedding model cannot be loaded or reached."""


class IndexBusy(RagError):
    """Another process is writing to the index (an ingest or a remove)."""

    def __init__(self, home: object, waited_s: float) -> None:
        super().__init__(
            f"{home}: another `reportbot ingest` or `remove` is writing to the index "
            f"(waited {waited_s:.0f} s); wait for it to finish and try again"
        )
