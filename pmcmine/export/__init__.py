"""``pmcmine export``: image–text training shards from a corpus.

    summary = export("corpus.duckdb", "shards/", format="webdataset", unit="subfigure",
                     where="a.pub_date >= '2024-01-01'", license="commercial")

Each sample is an image — the figure's main image from the media store, or, with
``unit="subfigure"`` and a ``subfigures`` table, the panel's crop — with its text (the
self-contained subcaption aligned to the panel, else the caption; the full caption and the
sentences citing it are in the metadata) and metadata (pmcid, ids, licence and attribution,
concepts, modalities, panel box and detector).

Formats: ``webdataset`` (``pmcmine-000000.tar``: ``<key>.jpg|png``, ``<key>.txt``,
``<key>.json``), ``parquet`` (one typed row per sample, image bytes inline in the layout
Hugging Face ``datasets`` decodes as an Image), ``jsonl`` (``pmcmine-000000.jsonl`` with
``images/<key>.<ext>`` beside it). ``_manifest.json`` (underscore: readers of the folder skip it) lists the shards and counts.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pmcmine.errors import PmcmineError
from pmcmine.export.samples import MediaStore, SampleBuilder, iter_figure_rows
from pmcmine.export.writers import WRITERS
from pmcmine.store.corpus import Corpus
from pmcmine.store.media import media_dir_for

FORMATS = tuple(WRITERS)
UNITS = ("figure", "subfigure")
DEFAULT_SHARD_SIZE = 1000


@dataclass
class ExportSummary:
    out: str
    format: str
    unit: str
    figures: int = 0  # figures selected (after where and license)
    samples: int = 0
    shards: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    licenses: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _prepare(out: Path, overwrite: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    old = [p for p in out.iterdir() if p.name.startswith("pmcmine-") or p.name in ("_manifest.json", "images")]
    if old and not overwrite:
        raise PmcmineError(f"{out} already holds an export ({old[0].name}); pass overwrite=True "
                           "(--overwrite) or choose another folder")
    for p in old:
        if p.is_dir():
            for q in p.iterdir():
                q.unlink()
            p.rmdir()
        else:
            p.unlink()


def export(db: str | Path, out: str | Path, format: str = "webdataset", unit: str = "figure",
           where: str | None = None, shard_size: int = DEFAULT_SHARD_SIZE, license: str | None = None,
           *, media_dir: str | Path | None = None, overwrite: bool = False,
           limit: int | None = None) -> ExportSummary:
    """Write the corpus's figures (or panels) as training shards; returns what was written.

    ``where``: an SQL condition over ``articles a`` and ``figures f``, e.g.
    ``"a.pub_date >= '2024-01-01'"`` or
    ``"f.figure_id IN (SELECT figure_id FROM modalities WHERE modality = 'CT')"``.
    ``license``: ``any`` / None, ``commercial`` (CC BY, CC BY-SA, CC BY-ND, CC0, PD), or a
    list like ``cc-by,cc0`` — as ``pmcmine harvest --license``.
    """
    t0 = time.perf_counter()
    if format not in WRITERS:
        raise PmcmineError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if unit not in UNITS:
        raise PmcmineError(f"unit must be figure or subfigure, not {unit!r}")
    db = Path(db)
    if not db.is_file():
        raise PmcmineError(f"no corpus at {db}")
    out = Path(out)
    _prepare(out, overwrite)
    media = MediaStore(media_dir_for(db, media_dir))
    builder = SampleBuilder(media, unit)
    writer = WRITERS[format](out, shard_size)
    summary = ExportSummary(out=str(out), format=format, unit=unit)
    corpus = Corpus.reader(db)
    con = corpus.con
    try:
        for row in iter_figure_rows(con, where=where, license=license, with_panels=unit == "subfigure"):
            for sample in builder.samples(row):
                writer.write(sample)
            if limit is not None and builder.stats.samples >= limit:
                break
    finally:
        corpus.close()
        summary.shards = writer.close()
    st = builder.stats
    summary.figures, summary.samples = st.figures, st.samples
    summary.skipped, summary.licenses = st.skipped, st.licenses
    summary.bytes = sum(s["bytes"] for s in summary.shards)
    summary.seconds = round(time.perf_counter() - t0, 3)
    manifest = {
        **summary.to_dict(),
        "corpus": str(db.resolve()), "where": where, "license_filter": license or "any",
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "sample": {
            "webdataset": "<key>.jpg|png (image), <key>.txt (text), <key>.json (text + metadata)",
            "parquet": "columns key, image{bytes,path}, text, caption, references, ..., meta_json",
            "jsonl": "one object per line; image = path relative to this folder",
        }[format],
    }
    (out / "_manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return summary


__all__ = ["export", "ExportSummary", "FORMATS", "UNITS"]
