"""pmcmine: mine figures, captions and inline references from PubMed Central OA."""

__version__ = "0.1.0"
