"""pmcmine: mine figures, captions and inline references from PubMed Central OA.

    >>> import pmcmine
    >>> pmcmine.ingest(["sample/cloud"], "corpus.duckdb")   # every command: pmcmine.api
    >>> with pmcmine.Corpus("corpus.duckdb") as c:
    ...     c.sql("SELECT label, caption FROM figures LIMIT 3").fetchall()
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Imported on first use so that `import pmcmine` stays cheap in workers and the CLI.
# ``export``, ``report`` and ``sample`` are subpackages too: reach those commands' functions
# as ``pmcmine.api.export`` etc.
_EXPORTS = {
    "Corpus": "pmcmine.store.corpus",
    "api": "pmcmine",
    "ingest": "pmcmine.api",
    "harvest": "pmcmine.api",
    "process": "pmcmine.api",
    "retag": "pmcmine.api",
    "merge": "pmcmine.api",
    "sql": "pmcmine.api",
    "show": "pmcmine.api",
    "IngestSummary": "pmcmine.pipeline.ingest",
    "process_package": "pmcmine.pipeline.process",
    "discover": "pmcmine.sources.local",
    "parse_article": "pmcmine.jats",
    "write_sample": "pmcmine.sample",
    "probe_image": "pmcmine.figures.images",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name == "api":
        return importlib.import_module("pmcmine.api")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pmcmine' has no attribute {name!r}")
