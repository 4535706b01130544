"""Shard writers: WebDataset tar, Parquet, JSON Lines (+ images alongside).

Every shard is written to a temporary name and renamed when complete, so a killed export
never leaves a truncated shard that a loader would half-read.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pmcmine.export.samples import Sample

_MTIME = 1_700_000_000  # fixed member times: the same corpus exports to byte-identical shards


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


class _Sharded:
    pattern = "shard-{:06d}"
    suffix = ""

    def __init__(self, out: Path, shard_size: int, prefix: str = "pmcmine"):
        if shard_size < 1:
            raise ValueError("shard_size must be at least 1")
        self.out, self.shard_size, self.prefix = out, shard_size, prefix
        self.shards: list[dict[str, Any]] = []
        self._n = 0  # samples in the open shard
        self._open = False

    def _name(self) -> str:
        return f"{self.prefix}-{len(self.shards):06d}{self.suffix}"

    def write(self, s: Sample) -> None:
        if not self._open:
            self._start()
            self._open = True
        self._add(s)
        self._n += 1
        if self._n >= self.shard_size:
            self.close_shard()

    def close_shard(self) -> None:
        if not self._open:
            return
        name = self._name()
        tmp = self.out / (name + ".tmp")
        self._finish(tmp)
        os.replace(tmp, self.out / name)
        self.shards.append({"name": name, "samples": self._n, "bytes": (self.out / name).stat().st_size})
        self._n, self._open = 0, False

    def close(self) -> list[dict[str, Any]]:
        self.close_shard()
        return self.shards

    # subclasses
    def _start(self) -> None: ...
    def _add(self, s: Sample) -> None: ...
    def _finish(self, tmp: Path) -> None: ...


class WebDatasetWriter(_Sharded):
    """``pmcmine-000000.tar``: per sample ``<key>.jpg|png``, ``<key>.txt``, ``<key>.json``."""

    suffix = ".tar"

    def _start(self) -> None:
        self._buf = io.BytesIO()
        self._tar = tarfile.open(fileobj=self._buf, mode="w", format=tarfile.PAX_FORMAT)

    def _member(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), _MTIME, 0o644
        info.uname = info.gname = "pmcmine"
        self._tar.addfile(info, io.BytesIO(data))

    def _add(self, s: Sample) -> None:
        self._member(f"{s.key}.{s.image_ext}", s.image)
        self._member(f"{s.key}.txt", s.text.encode("utf-8"))
        self._member(f"{s.key}.json", _json({"key": s.key, "text": s.text, **s.meta}).encode("utf-8"))

    def _finish(self, tmp: Path) -> None:
        self._tar.close()
        tmp.write_bytes(self._buf.getvalue())
        self._buf = io.BytesIO()


_STR = pa.string()
CONCEPT = pa.struct([("concept_id", _STR), ("cui", _STR), ("name", _STR), ("groups", pa.list_(_STR)),
                     ("mentions", pa.int32())])
MODALITY = pa.struct([("modality", _STR), ("score", pa.float64()), ("via", _STR)])
REFERENCE = pa.struct([("ref_id", _STR), ("text", _STR), ("panels", pa.list_(_STR)), ("sentence", _STR),
                       ("section", _STR)])
SUBCAPTION = pa.struct([("labels", pa.list_(_STR)), ("text", _STR)])

# One flat, typed schema: Parquet readers (pyarrow, DuckDB, datasets, Spark) get real columns.
# ``image`` is a struct<bytes, path> — the layout Hugging Face ``datasets`` uses for its Image
# feature, which the schema metadata declares, so ``datasets`` decodes it to a PIL image.
PARQUET_SCHEMA = pa.schema([
    ("key", _STR),
    ("image", pa.struct([("bytes", pa.binary()), ("path", _STR)])),
    ("image_format", _STR), ("width", pa.int32()), ("height", pa.int32()), ("image_sha256", _STR),
    ("text", _STR), ("text_kind", _STR), ("caption", _STR),
    ("subcaptions", pa.list_(SUBCAPTION)), ("references", pa.list_(REFERENCE)),
    ("unit", _STR), ("article_id", _STR), ("pmcid", _STR), ("pmid", _STR), ("doi", _STR),
    ("title", _STR), ("journal", _STR), ("pub_date", _STR), ("license", _STR), ("license_url", _STR),
    ("figure_id", _STR), ("figure_label", _STR), ("subfigure_id", _STR), ("panel_label", _STR),
    ("box", pa.list_(pa.int32())), ("detector", _STR),
    ("concepts", pa.list_(CONCEPT)), ("modalities", pa.list_(MODALITY)),
    ("meta_json", _STR),  # every field of the sample's metadata, for what the columns leave out
])


def _hf_feature(t: pa.DataType) -> dict[str, Any]:
    if pa.types.is_struct(t):
        return {f.name: _hf_feature(f.type) for f in t}
    if pa.types.is_list(t):
        return {"feature": _hf_feature(t.value_type), "_type": "List"}
    dtype = {pa.string(): "string", pa.int32(): "int32", pa.float64(): "float64",
             pa.binary(): "binary"}[t]
    return {"dtype": dtype, "_type": "Value"}


def _hf_features() -> dict[str, Any]:
    feats = {f.name: _hf_feature(f.type) for f in PARQUET_SCHEMA}
    feats["image"] = {"_type": "Image"}
    return feats


def parquet_schema(hf_metadata: bool = True) -> pa.Schema:
    if not hf_metadata:
        return PARQUET_SCHEMA
    return PARQUET_SCHEMA.with_metadata({b"huggingface": json.dumps({"info": {"features": _hf_features()}}).encode()})


_COLUMN_META = {"key", "image", "image_format", "text", "meta_json"}


def parquet_row(s: Sample) -> dict[str, Any]:
    m = s.meta
    row = {name: m.get(name) for name in PARQUET_SCHEMA.names if name not in _COLUMN_META}
    row.update({"key": s.key, "image": {"bytes": s.image, "path": f"{s.key}.{s.image_ext}"},
                "image_format": s.image_ext, "text": s.text,
                "meta_json": _json({k: v for k, v in m.items()})})
    return row


class ParquetWriter(_Sharded):
    """``pmcmine-000000.parquet``: one row per sample, image bytes inline."""

    suffix = ".parquet"

    def __init__(self, out: Path, shard_size: int, prefix: str = "pmcmine", *,
                 row_group_size: int = 256, hf_metadata: bool = True):
        super().__init__(out, shard_size, prefix)
        self.row_group_size = row_group_size
        self.schema = parquet_schema(hf_metadata)

    def _start(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self._tmp = self.out / (self._name() + ".tmp")
        self._pw = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")

    def _flush(self) -> None:
        if self._rows:
            self._pw.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def _add(self, s: Sample) -> None:
        self._rows.append(parquet_row(s))
        if len(self._rows) >= self.row_group_size:
            self._flush()  # bounded memory: a row group of images at a time

    def _finish(self, tmp: Path) -> None:
        self._flush()
        self._pw.close()


class JsonlWriter(_Sharded):
    """``pmcmine-000000.jsonl`` plus ``images/<key>.<ext>``; ``image`` is the relative path."""

    suffix = ".jsonl"

    def _start(self) -> None:
        self._lines: list[str] = []
        (self.out / "images").mkdir(exist_ok=True)

    def _add(self, s: Sample) -> None:
        rel = f"images/{s.key}.{s.image_ext}"
        path = self.out / rel
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(s.image)
        os.replace(tmp, path)
        self._lines.append(_json({"key": s.key, "image": rel, "text": s.text, **s.meta}))

    def _finish(self, tmp: Path) -> None:
        tmp.write_text("".join(line + "\n" for line in self._lines), encoding="utf-8")


WRITERS = {"webdataset": WebDatasetWriter, "parquet": ParquetWriter, "jsonl": JsonlWriter}
