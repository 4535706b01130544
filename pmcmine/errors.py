"""Exceptions pmcmine raises. Each names what was wrong with which input."""


class PmcmineError(Exception):
    """Base class: every error pmcmine raises on bad input derives from it."""


class MalformedXMLError(PmcmineError):
    """The article XML is not well-formed (or is hostile: entities, DTD fetches)."""


class UnsafeArchiveError(PmcmineError):
    """An archive member escapes its folder, is a link or device, or is too large."""


class ImageError(PmcmineError):
    """An image file is empty, truncated, undecodable or too large to decode."""


class PackageError(PmcmineError):
    """A package has no article XML, or cannot be read at all."""


def describe(exc: BaseException) -> str:
    """One line for a log row: the message of a PmcmineError, or a bug's type and place."""
    if isinstance(exc, PmcmineError):
        return f"{type(exc).__name__}: {exc}"
    import traceback
    from pathlib import Path

    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
    return f"internal error {type(exc).__name__}: {exc}{where}"
