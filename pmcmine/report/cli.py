"""``pmcmine show`` and ``pmcmine report``, as plain functions for the CLI to register:

    from pmcmine.report.cli import report_cmd, show_cmd
    app.command("show")(show_cmd)
    app.command("report")(report_cmd)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def show_cmd(
    id: Annotated[str, typer.Argument(help="A figure id (PMC123/fig2), or a PMCID / article id / PMID / DOI.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    db: Annotated[Path, typer.Option("--db", help="DuckDB corpus file.")] = Path("corpus.duckdb"),
    media_dir: Annotated[Optional[Path], typer.Option(help="Figure images [default: <db>_media/].")] = None,
    alongside: Annotated[bool, typer.Option("--alongside", help="Write images beside the page instead of embedding them.")] = False,
) -> None:
    """One HTML page: the figure(s) with panel boxes and labels, subcaptions, references, concepts."""
    from pmcmine.errors import PmcmineError
    from pmcmine.report import show

    try:
        path = show(db, id, out, media_dir=media_dir, embed=not alongside)
    except PmcmineError as exc:
        typer.echo(f"show failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"wrote {path}")


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
    from pmcmine.errors import PmcmineError
    from pmcmine.report import report

    try:
        path = report(db, out, n=n, where=where, seed=seed, media_dir=media_dir, embed=embed)
    except PmcmineError as exc:
        typer.echo(f"report failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"wrote {path}")
