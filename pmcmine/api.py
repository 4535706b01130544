"""The Python API: one function per corpus command, with the CLI's option names as keywords.

    import pmcmine
    pmcmine.ingest(["sample/cloud"], db="corpus.duckdb", workers=2)      # pmcmine ingest
    pmcmine.harvest(since="2024-01", source="cloud", workers=4)          # pmcmine harvest
    pmcmine.process(db="corpus.duckdb", detector="classic")              # pmcmine process
    pmcmine.retag(db="corpus.duckdb", kb="umls")                         # pmcmine tag
    pmcmine.merge(["s0.duckdb", "s1.duckdb"], db="corpus.duckdb")        # pmcmine merge
    pmcmine.sql("SELECT count(*) FROM figures", db="corpus.duckdb")      # pmcmine sql
    pmcmine.show("PMC3166277", db="corpus.duckdb", out="report.html")    # pmcmine show
    from pmcmine import api
    api.export(out="shards/", db="corpus.duckdb", format="parquet")      # pmcmine export
    api.report(out="report/", db="corpus.duckdb", n=20)                  # pmcmine report
    api.sample(out="sample", articles=12)                                # pmcmine sample
    api.kb_build(open=True); api.kb_list(); api.kb_info("open")         # pmcmine kb build|list|info
    api.detector_eval(detector="classic"); api.eval_pairs()             # pmcmine detector eval, eval pairs
    api.detector_train(data="synth/data.yaml"); api.detector_export(w)  # pmcmine detector train|export

(``export``, ``report`` and ``sample`` are also the names of subpackages, so they are reached
as ``pmcmine.api.export`` etc.; ``pmcmine.export`` is the package.)

Each function returns the summary the CLI prints; ``quiet=False`` shows the progress bar.
Failures raise :class:`pmcmine.errors.PmcmineError` (the CLI turns them into exit code 2).
The CLI (:mod:`pmcmine.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

    from pmcmine.export import ExportSummary
    from pmcmine.pipeline.harvest import HarvestSummary
    from pmcmine.pipeline.ingest import IngestSummary
    from pmcmine.pipeline.reprocess import ProcessSummary
    from pmcmine.pipeline.stages import StageOptions
    from pmcmine.store.merge import MergeSummary

DEFAULT_DB = "corpus.duckdb"
DEFAULT_DETECTOR = "auto"  # the one place the default detector is named


def stage_options(*, kb: str | None = None, no_tag: bool = False, detector: str = DEFAULT_DETECTOR,
                  crops_dir: str | None = None) -> StageOptions:
    """The later stages as the CLI options name them: ``kb`` (default: the open KB when
    built), ``no_tag``, ``detector`` (a registered name, ``none`` to skip panels)."""
    from pmcmine.pipeline.stages import StageOptions, default_kb

    return StageOptions(kb=None if no_tag else (kb or default_kb()),
                        detector=None if detector == "none" else detector, crops_dir=crops_dir)


def crops_dir(save_crops: bool, db: str | Path, media_dir: str | Path | None) -> str | None:
    """Where ``save_crops`` writes panel crops: the media folder, as an absolute path
    (workers may run elsewhere); None when not saving."""
    if not save_crops:
        return None
    from pmcmine.store.media import media_dir_for

    media = media_dir_for(db, media_dir)
    return str(Path(media).resolve()) if media else None


def ingest(paths: Iterable[str | Path], db: str | Path = DEFAULT_DB, *,
           media_dir: str | Path | bool | None = None, no_media: bool = False, workers: int = 1,
           batch_size: int = 64, kb: str | None = None, no_tag: bool = False,
           detector: str = DEFAULT_DETECTOR, save_crops: bool = False, quiet: bool = True,
           stages: StageOptions | None = None, ray_address: str | None = None,
           on_result=None) -> IngestSummary:
    """``pmcmine ingest``: parse local article packages into the corpus ``db``.

    ``media_dir`` (default ``<db>_media/``) receives the figure images unless ``no_media``
    (``media_dir=False`` means the same); ``stages`` overrides ``kb``/``no_tag``/``detector``.
    """
    from pmcmine.pipeline.ingest import ingest as run

    if media_dir is False:
        no_media = True
    media: str | Path | bool = False if no_media else (media_dir if media_dir not in (None, True) else True)
    if stages is None:
        over = None if media_dir in (None, True, False) else media_dir
        stages = stage_options(kb=kb, no_tag=no_tag, detector=detector,
                               crops_dir=crops_dir(save_crops and not no_media, str(db), over))
    return run(paths, db, media_dir=media, workers=workers, batch_size=batch_size,
               ray_address=ray_address, on_result=on_result, progress=not quiet, stages=stages)


def harvest(*, since: str | None = None, until: str | None = None, source: str = "cloud",
            endpoint: str | None = None, package_base: str | None = None, license: str = "any",
            include_manuscripts: bool = False, include_retracted: bool = False,
            limit: int | None = None, db: str | Path = DEFAULT_DB, media_dir: str | Path | None = None,
            ray_address: str | None = None, workers: int = 1, retry_failed: bool = False,
            no_inventory: bool = False, email: str | None = None, api_key: str | None = None,
            rate: float | None = None, kb: str | None = None, no_tag: bool = False,
            detector: str = DEFAULT_DETECTOR, save_crops: bool = False, shard: str | None = None,
            quiet: bool = True) -> HarvestSummary:
    """``pmcmine harvest``: fetch new and changed articles into the corpus (resumable).

    ``source``: a registered source (cloud, legacy, ...) or a local folder; ``since``/``until``
    as ``YYYY[-MM[-DD]]``; ``license``: any, commercial, or a list ``cc-by,cc0``; ``shard``:
    ``"i/n"``.
    """
    from pmcmine.errors import PmcmineError
    from pmcmine.pipeline.harvest import HarvestOptions, harvest as run, parse_shard, parse_since, parse_until
    from pmcmine.sources.filters import ArticleFilter, parse_license_option
    from pmcmine.sources.http import HttpConfig
    from pmcmine.sources.legacy import PACKAGE_BASE

    opts = HarvestOptions(
        since=parse_since(since), until=parse_until(until), source=source,
        endpoint=endpoint, package_base=package_base or PACKAGE_BASE,
        filter=ArticleFilter(parse_license_option(license), include_manuscripts, include_retracted),
        limit=limit, media_dir=str(media_dir) if media_dir else None,
        ray_address=ray_address or ("local" if workers > 1 else "none"),
        workers=workers, retry_failed=retry_failed, use_inventory=not no_inventory,
        shard=parse_shard(shard),
        http=HttpConfig(email=email, api_key=api_key, ncbi_rate=rate),
        stages=stage_options(kb=kb, no_tag=no_tag, detector=detector,
                             crops_dir=crops_dir(save_crops, db, media_dir)),
    )
    if opts.source_kind == "dir" and not Path(opts.source).exists():
        raise PmcmineError(f"--source must be cloud, legacy or an existing folder, not {opts.source!r}")
    return run(opts, db, progress=not quiet)


def process(*, db: str | Path = DEFAULT_DB, kb: str | None = None, no_tag: bool = False,
            detector: str = DEFAULT_DETECTOR, save_crops: bool = False, where: str | None = None,
            workers: int = 1, ray_address: str | None = None, quiet: bool = True) -> ProcessSummary:
    """``pmcmine process``: re-run the later stages over the corpus (``where``: SQL on articles)."""
    from pmcmine.pipeline.reprocess import process as run

    return run(db, stage_options(kb=kb, no_tag=no_tag, detector=detector,
                                 crops_dir=crops_dir(save_crops, db, None)),
               where=where, workers=workers,
               ray_address=ray_address or ("local" if workers > 1 else "none"), progress=not quiet)


def retag(*, db: str | Path = DEFAULT_DB, kb: str = "open", spacy_model: str | None = None,
          min_score: float = 0.85) -> dict:
    """``pmcmine tag``: replace the corpus's concept rows, tagging with ``kb``."""
    from pmcmine.pipeline.retag import retag_corpus

    return retag_corpus(db, kb, spacy_model=spacy_model, min_score=min_score)


def merge(shards: Iterable[str | Path], *, db: str | Path = DEFAULT_DB) -> MergeSummary:
    """``pmcmine merge``: fold shard corpora into ``db`` (repeatable; newest version wins)."""
    from pmcmine.store.merge import merge as run

    return run(db, list(shards))


def sql(query: str, *, db: str | Path = DEFAULT_DB) -> pa.Table:
    """``pmcmine sql``: the query's result as an Arrow table (``.to_pandas()``, ``.to_pylist()``)."""
    from pmcmine.store.corpus import Corpus

    with Corpus.reader(db) as corpus:
        rel = corpus.sql(query)
        if rel is None:  # a statement without a result
            import pyarrow as pa

            return pa.table({})
        return rel.to_arrow_table()


def export(*, out: str | Path, db: str | Path = DEFAULT_DB, format: str = "webdataset",
           unit: str = "figure", where: str | None = None, shard_size: int = 1000,
           license: str = "any", media_dir: str | Path | None = None, overwrite: bool = False,
           limit: int | None = None) -> ExportSummary:
    """``pmcmine export``: the corpus's figures (or panels) as training shards."""
    from pmcmine.export import export as run

    return run(db, out, format=format, unit=unit, where=where, shard_size=shard_size,
               license=None if license == "any" else license, media_dir=media_dir, overwrite=overwrite, limit=limit)


def report(*, out: str | Path = "report", db: str | Path = DEFAULT_DB, n: int = 20,
           where: str | None = None, seed: int = 0, media_dir: str | Path | None = None,
           embed: bool = False, max_width: int = 760) -> Path:
    """``pmcmine report``: a reproducible sample of ``n`` figures as ``out/index.html``."""
    from pmcmine.report import report as run

    return run(db, out, n, where=where, seed=seed, media_dir=media_dir, embed=embed,
               max_width=max_width)


def show(id: str, *, out: str | Path = "report.html", db: str | Path = DEFAULT_DB,
         media_dir: str | Path | None = None, alongside: bool = False, max_width: int = 760) -> Path:
    """``pmcmine show``: one HTML page for a figure, or for every figure of an article."""
    from pmcmine.report import show as run

    return run(db, id, out, media_dir=media_dir, embed=not alongside, max_width=max_width)


def sample(*, out: str | Path = "sample", articles: int = 12, seed: int = 0) -> Path:
    """``pmcmine sample``: write the synthetic sample corpus (cloud/, legacy/, truth.json)."""
    from pmcmine.sample import write_sample

    write_sample(out, articles=articles, seed=seed)
    return Path(out)


# -- knowledge bases (pmcmine kb ...) -----------------------------------------------------

def kb_build(*, open: bool = False, umls_meta: str | Path | None = None, name: str | None = None,
             sources: str | None = None, lang: str = "ENG", source_wheel: str | Path | None = None,
             force: bool = False):
    """``pmcmine kb build``: the open KB (``open=True``) or one from a UMLS ``umls_meta`` folder;
    ``sources``: UMLS vocabularies to keep, ``"MSH,SNOMEDCT_US"``. Returns its KBInfo."""
    from pmcmine.kb.api import build_open, build_umls
    from pmcmine.kb.store import KBError

    if open == (umls_meta is not None):
        raise KBError("give exactly one of open=True (--open) or umls_meta (--umls-meta DIR)")
    if open:
        return build_open(name or "open", source_wheel=Path(source_wheel) if source_wheel else None,
                          force=force)
    return build_umls(Path(umls_meta), name or "umls", force=force, lang=lang,
                      sources=sources.split(",") if sources else None)


def kb_list() -> list[dict]:
    """``pmcmine kb list``: one row per KB built on this machine."""
    from pmcmine.kb.api import kb_list as run

    return run()


def kb_info(name: str = "open", *, verify: bool = False) -> dict:
    """``pmcmine kb info``: a KB's provenance, versions and sizes (``verify``: check sha256s)."""
    from pmcmine.kb.api import kb_info as run

    return run(name, verify=verify)


# -- the detector and measurements (pmcmine detector ..., pmcmine eval ...) -----------------

def detector_eval(*, detector: str = DEFAULT_DETECTOR, data: str | Path | None = None,
                  split: str = "val", limit: int | None = 300, shared: str | Path | None = None,
                  overlays: str | Path | None = None, out_json: str | Path | None = None,
                  group: bool = False) -> dict:
    """``pmcmine detector eval``: ImageCLEF accuracy, mAP50(-95) and ms/figure per set."""
    from pmcmine.tools.evaluate import cli_eval

    return cli_eval(detector, str(data) if data else None, split, limit, str(shared) if shared else None,
                    str(overlays) if overlays else None, str(out_json) if out_json else None, group)


def detector_train(*, data: str | Path, epochs: int = 40, imgsz: int = 320,
                   model: str = "yolov8n.yaml", project: str | Path = "runs/detector",
                   name: str = "panels", batch: int = 16, warmup_epochs: float = 3.0,
                   resume: bool = True) -> Path:
    """``pmcmine detector train``: train or resume the YOLO detector on CPU (``[train]`` extra)."""
    from pmcmine.tools.train import cli_train

    return cli_train(str(data), epochs, imgsz, model, str(project), name, batch, resume, warmup_epochs)


def detector_export(weights: str | Path, *, out: str | Path | None = None, version: str = "1") -> Path:
    """``pmcmine detector export``: trained weights to ONNX, with the card JSON beside it."""
    from pmcmine.tools.train import export_onnx

    return export_onnx(str(weights), out, version=version)


def eval_pairs(*, shared: str | Path = "../shared", gold: str | Path | None = None,
               articles: list[str] | None = None, detector: str = DEFAULT_DETECTOR,
               no_ocr: bool = False) -> dict:
    """``pmcmine eval pairs``: ingest the annotated real articles and score panel↔caption pairs."""
    from pmcmine.tools.pair_eval import DEFAULT_GOLD, run_benchmark

    return run_benchmark(Path(gold) if gold else DEFAULT_GOLD, shared, articles, detector, not no_ocr)


__all__ = ["ingest", "harvest", "process", "retag", "merge", "sql", "export", "report", "show",
           "sample", "kb_build", "kb_list", "kb_info", "detector_eval", "detector_train",
           "detector_export", "eval_pairs", "stage_options", "crops_dir", "DEFAULT_DETECTOR"]
