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
    api.demo(out="demo-out", articles=12, workers=2)                   # pmcmine demo

(``export``, ``report`` and ``sample`` are also the names of subpackages, so they are reached
as ``pmcmine.api.export`` etc.; ``pmcmine.export`` is the package.)

Each function returns the summary the CLI prints; ``quiet=False`` shows the progress bar.
Failures raise :class:`pmcmine.errors.PmcmineError` (the CLI turns them into exit code 2).
The CLI (:mod:`pmcmine.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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


# -- the demo (pmcmine demo) ----------------------------------------------------------------

DEMO_QUERIES = [
    ("Articles by licence",
     "SELECT license_code, count(*) AS articles, sum(n_figures) AS figures FROM articles GROUP BY 1 ORDER BY 2 DESC"),
    ("Figures with the most inline references",
     "SELECT f.figure_id, f.label, count(r.ref_id) AS refs, left(f.caption, 60) AS caption "
     "FROM figures f JOIN figure_refs r USING (figure_id) GROUP BY ALL ORDER BY refs DESC LIMIT 5"),
    ("Panel-level references (\"Fig. 2B\")",
     "SELECT text, panels, left(sentence, 80) AS sentence FROM figure_refs WHERE len(panels) > 0 LIMIT 8"),
    ("Subcaptions split from captions",
     "SELECT figure_id, labels, left(self_contained, 70) AS text FROM subcaptions LIMIT 6"),
    ("Panels found in compound figures, and how each got its text",
     "SELECT t.method, count(*) AS panels, round(avg(t.confidence), 2) AS confidence, "
     "any_value(s.detector) AS detector FROM subfigure_text t JOIN subfigures s USING (subfigure_id) "
     "GROUP BY 1 ORDER BY 2 DESC"),
    ("Sentences citing one panel, linked to that panel's box",
     "SELECT r.subfigure_id, r.label, s.x0, s.y0, s.x1, s.y1, left(r.sentence, 60) AS sentence "
     "FROM subfigure_refs r JOIN subfigures s USING (subfigure_id) WHERE r.method = 'panel_label' LIMIT 5"),
    ("Most frequent concepts in captions and references (open KB)",
     "SELECT c.name, c.cui, count(*) AS mentions, list_distinct(list(m.text_kind)) AS in_texts "
     "FROM mentions m JOIN concepts c USING (article_id, concept_id) GROUP BY ALL ORDER BY mentions DESC LIMIT 8"),
    ("Figures by imaging modality",
     "SELECT modality, count(DISTINCT figure_id) AS figures FROM modalities GROUP BY 1 ORDER BY 2 DESC"),
    ("Figure images",
     "SELECT format, count(*) AS images, round(avg(width)) AS avg_width, count(error) AS broken "
     "FROM figure_graphics GROUP BY 1"),
]



@dataclass
class DemoSummary:
    """What :func:`demo` made: the corpus, the harvest's summary, each example query's result
    (title, SQL, Arrow table), the report page and the seconds it all took."""
    db: Path
    kb: str | None
    harvest: HarvestSummary
    queries: list[tuple[str, str, pa.Table]]
    report: Path
    seconds: float


def demo(*, out: str | Path = "demo-out", articles: int = 12, workers: int = 2, tag: bool = True,
         quiet: bool = True, on_step: Callable[[str], None] | None = None) -> DemoSummary:
    """``pmcmine demo``: the README's main job on the embedded sample. Write the sample
    (``articles``) under ``out``, serve it as a PMC Cloud bucket on 127.0.0.1, harvest
    ``since="2024-01"`` from it (``workers`` Ray workers; 0: in-process), run
    :data:`DEMO_QUERIES` and write a report. ``tag``: build the open KB if needed (one PyPI
    wheel, about a minute; skipped with a note if that fails) and tag concepts.
    ``on_step`` is told each step's title before it runs (the CLI prints them)."""
    import time

    from pmcmine.sample import write_sample
    from pmcmine.sample.bucket import write_inventory
    from pmcmine.sources.bucket_server import BucketServer

    say = on_step or (lambda _msg: None)
    t0 = time.perf_counter()
    out = Path(out)
    sample_dir = out / "sample"
    say("1. sample corpus")
    truth = write_sample(sample_dir, articles=articles, seed=0)
    write_inventory(sample_dir / "cloud", truth)
    say(f"{articles} articles in PMC Cloud layout with an S3 inventory ({sample_dir}/cloud) "
        f"and as oa_package tarballs ({sample_dir}/legacy)")
    kb = demo_kb(say) if tag else None
    db = out / "corpus.duckdb"
    with BucketServer(sample_dir / "cloud") as server:
        say(f"2. harvest --since 2024-01 from {server.url} (a local PMC Cloud bucket)")
        summary = harvest(since="2024-01", source="cloud", endpoint=server.url, db=db,
                          ray_address="local" if workers > 0 else "none", workers=max(1, workers),
                          kb=kb, no_tag=kb is None, quiet=quiet)
    queries = [(title, q, sql(q, db=db)) for title, q in DEMO_QUERIES]
    page = report(out=out / "report", db=db, n=8)
    return DemoSummary(db, kb, summary, queries, page, time.perf_counter() - t0)


def demo_kb(on_step: Callable[[str], None] | None = None) -> str | None:
    """The open KB's name, built on first use; None (and ``on_step`` is told why) if that
    fails, so the demo still runs without concept tagging (no PyPI here, say).

    A damaged or half-built one is rebuilt; a demo running beside this one shares its build.
    """
    from pmcmine.kb.store import KBError, resolve_kb

    say = on_step or (lambda _msg: None)
    try:
        resolve_kb("open")
        return "open"
    except KBError:
        pass
    say("building the open knowledge base (first run only)")
    try:
        from pmcmine.kb.api import build_open

        info = build_open("open", exist_ok=True)
        say(f"{info.n_concepts:,} concepts at {info.path}")
        return "open"
    except Exception as exc:  # the rest of the demo still runs
        say(f"no concept tagging: the open KB could not be built ({exc})")
        return None


__all__ = ["ingest", "harvest", "process", "retag", "merge", "sql", "export", "report", "show",
           "sample", "kb_build", "kb_list", "kb_info", "detector_eval", "detector_train",
           "detector_export", "eval_pairs", "demo", "DemoSummary", "DEMO_QUERIES",
           "stage_options", "crops_dir", "DEFAULT_DETECTOR"]
