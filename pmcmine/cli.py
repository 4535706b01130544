"""The ``pmcmine`` command: a thin layer over the Python API."""

from __future__ import annotations

import csv
import enum
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Mine figures, captions and inline references from PubMed Central OA.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True)
DB_OPTION = typer.Option("--db", help="DuckDB corpus file.")


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
    workers: Annotated[int, typer.Option(help="Parallel parser processes.")] = 1,
    batch_size: Annotated[int, typer.Option(help="Articles per database transaction.")] = 64,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Parse local article packages into the corpus."""
    from pmcmine.pipeline.ingest import ingest as run_ingest

    t0 = time.perf_counter()
    media = False if no_media else (media_dir or True)
    summary = run_ingest(paths, db, media_dir=media, workers=workers, batch_size=batch_size,
                         progress=not quiet)
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
        ("inline figure references", summary.refs), ("seconds", f"{seconds:.1f}"),
    ]:
        t.add_row(k, str(v))
    console.print(t)
    for key, err in summary.error_messages[:10]:
        console.print(f"[red]error[/red] {key}: {err}")
    if len(summary.error_messages) > 10:
        console.print(f"… {len(summary.error_messages) - 10} more in the ingest_log table")


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
            w = csv.writer(stream)
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
    from pmcmine.sample import write_sample

    t0 = time.perf_counter()
    write_sample(out, articles=articles, seed=seed)
    console.print(f"wrote {articles} articles to {out}/ (cloud/, legacy/, truth.json) "
                  f"in {time.perf_counter() - t0:.1f} s")


DEMO_QUERIES = [
    ("Articles by licence",
     "SELECT license_code, count(*) AS articles, sum(n_figures) AS figures FROM articles GROUP BY 1 ORDER BY 2 DESC"),
    ("Figures with the most inline references",
     "SELECT f.figure_id, f.label, count(r.ref_id) AS refs, left(f.caption, 60) AS caption "
     "FROM figures f JOIN figure_refs r USING (figure_id) GROUP BY ALL ORDER BY refs DESC LIMIT 5"),
    ("Panel-level references (\"Fig. 2B\")",
     "SELECT text, panels, left(sentence, 80) AS sentence FROM figure_refs WHERE len(panels) > 0 LIMIT 8"),
    ("Figure images",
     "SELECT format, count(*) AS images, round(avg(width)) AS avg_width, count(error) AS broken "
     "FROM figure_graphics GROUP BY 1"),
]


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Working folder for the demo.")] = Path("demo-out"),
    articles: Annotated[int, typer.Option("--articles", "-n")] = 12,
) -> None:
    """The README's main job: write the sample corpus, ingest it, run example queries."""
    from pmcmine.pipeline.ingest import ingest as run_ingest
    from pmcmine.sample import write_sample
    from pmcmine.store.corpus import Corpus

    t0 = time.perf_counter()
    sample_dir = out / "sample"
    console.rule("1. sample corpus")
    write_sample(sample_dir, articles=articles, seed=0)
    console.print(f"{articles} articles in PMC Cloud layout ({sample_dir}/cloud) and as "
                  f"oa_package tarballs ({sample_dir}/legacy)")
    console.rule("2. ingest")
    db = out / "corpus.duckdb"
    summary = run_ingest([sample_dir / "legacy", sample_dir / "cloud"], db, progress=True)
    _print_summary(summary, time.perf_counter() - t0)
    console.rule("3. query")
    with Corpus(db, read_only=True) as corpus:
        for title, q in DEMO_QUERIES:
            rel = corpus.sql(q)
            console.print(f"[bold]{title}[/bold]  [dim]{q}[/dim]")
            _print_table(rel.columns, rel.fetchall(), 20, sys.stdout)
    console.print(f"done in {time.perf_counter() - t0:.1f} s — try: "
                  f"pmcmine sql --db {db} \"SELECT * FROM figure_refs LIMIT 5\"")


def main() -> None:  # pragma: no cover
    app()
