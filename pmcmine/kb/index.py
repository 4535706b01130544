"""The linker's TF-IDF character-3-gram ANN index, in the files scispaCy's CandidateGenerator reads.

scispaCy's own ``create_tfidf_ann_index`` refuses scipy >= 1.11 (it saves float16 sparse
vectors) and hard-codes ``min_df=10`` (which drops every rare 3-gram of a small KB). This
builder writes the same four files (``LinkerPaths.from_directory``) with float32 vectors, and
:func:`load_candidate_generator` loads them without ever touching scispaCy's download paths.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pmcmine.kb.store import KBError, rebuild_hint

INDEX_FILES = {
    "ann_index": "nmslib_index.bin",
    "tfidf_vectorizer": "tfidf_vectorizer.joblib",
    "tfidf_vectors": "tfidf_vectors_sparse.npz",
    "concept_aliases_list": "concept_aliases.json",
}

# HNSW parameters: scispaCy uses M=100, efConstruction=2000 on 60 threads (2 hours for UMLS).
# These keep recall high for exact and near-exact alias look-ups at a fraction of the cost.
DEFAULT_M = 24
DEFAULT_EF_CONSTRUCTION = 160
DEFAULT_EF_SEARCH = 100


# Past this many aliases (a whole UMLS release has millions) the graph is built with lighter
# parameters: build time grows with M * efConstruction.
LARGE_KB_ALIASES = 500_000
LARGE_M = 12
LARGE_EF_CONSTRUCTION = 64


def build_linker_index(aliases: list[str], out_dir: Path, *, m: int | None = None,
                       ef_construction: int | None = None, min_df: int = 1,
                       threads: int | None = None) -> dict:
    """Fit the vectorizer on ``aliases``, build the HNSW index, write the four files.

    Returns stats (aliases indexed, seconds per step).
    """
    large = len(aliases) > LARGE_KB_ALIASES
    m = m or (LARGE_M if large else DEFAULT_M)
    ef_construction = ef_construction or (LARGE_EF_CONSTRUCTION if large else DEFAULT_EF_CONSTRUCTION)
    import joblib
    import nmslib
    import numpy as np
    import scipy.sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=min_df,
                          dtype=np.float32)
    X = vec.fit_transform(aliases)
    # nmslib crashes on all-zero vectors: drop aliases without any 3-gram ("A", "5").
    keep = np.asarray(X.getnnz(axis=1) > 0)
    aliases = [a for a, k in zip(aliases, keep) if k]
    X = X[keep].astype(np.float32).tocsr()
    X.sort_indices()
    # The fitted vectorizer keeps the set of stop words it pruned: big, unused at query time.
    if hasattr(vec, "stop_words_"):
        vec.stop_words_ = None
    joblib.dump(vec, out_dir / INDEX_FILES["tfidf_vectorizer"])
    scipy.sparse.save_npz(out_dir / INDEX_FILES["tfidf_vectors"], X)
    with open(out_dir / INDEX_FILES["concept_aliases_list"], "w", encoding="utf-8") as fh:
        json.dump(aliases, fh, ensure_ascii=False)
    t1 = time.perf_counter()
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse",
                        data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(X)
    index.createIndex({"M": m, "efConstruction": ef_construction, "post": 0,
                       "indexThreadQty": threads or os.cpu_count() or 1}, print_progress=False)
    index.saveIndex(str(out_dir / INDEX_FILES["ann_index"]), save_data=False)
    t2 = time.perf_counter()
    return {"aliases_indexed": len(aliases), "vocabulary": len(vec.vocabulary_),
            "tfidf_seconds": round(t1 - t0, 2), "hnsw_seconds": round(t2 - t1, 2),
            "hnsw_M": m, "hnsw_efConstruction": ef_construction}


def load_ann(linker_dir: Path, ef_search: int = DEFAULT_EF_SEARCH):
    """(aliases, vectorizer, ann index) from a linker folder, the way scispaCy loads them."""
    import joblib
    import nmslib
    import numpy as np
    import scipy.sparse

    linker_dir = Path(linker_dir)
    missing = [f for f in INDEX_FILES.values() if not (linker_dir / f).is_file()]
    if missing:
        raise KBError(f"{linker_dir} lacks {', '.join(missing)}; {rebuild_hint(linker_dir.parent)}")
    with open(linker_dir / INDEX_FILES["concept_aliases_list"], encoding="utf-8") as fh:
        aliases = json.load(fh)
    vec = joblib.load(linker_dir / INDEX_FILES["tfidf_vectorizer"])
    X = scipy.sparse.load_npz(linker_dir / INDEX_FILES["tfidf_vectors"]).astype(np.float32)
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse",
                        data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(X)
    index.loadIndex(str(linker_dir / INDEX_FILES["ann_index"]), load_data=False)
    index.setQueryTimeParams({"efSearch": ef_search})
    return aliases, vec, index


def load_candidate_generator(linker_dir: Path, kb, ef_search: int = DEFAULT_EF_SEARCH):
    """scispaCy's CandidateGenerator over our files and KB (never its default downloads)."""
    from scispacy.candidate_generation import CandidateGenerator

    aliases, vec, index = load_ann(linker_dir, ef_search)
    if not aliases:
        raise KBError(f"{linker_dir}: the index holds no aliases")
    return CandidateGenerator(ann_index=index, tfidf_vectorizer=vec,
                              ann_concept_aliases_list=aliases, kb=kb)
