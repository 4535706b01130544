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
