"""``pmcmine export``, as a plain function for the CLI to register:

    from pmcmine.export.cli import export_cmd
    app.command("export")(export_cmd)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer


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
    from pmcmine.errors import PmcmineError
    from pmcmine.export import export

    try:
        s = export(db, out, format=format, unit=unit, where=where, shard_size=shard_size,
                   license=None if license == "any" else license, media_dir=media_dir,
                   overwrite=overwrite, limit=limit)
    except PmcmineError as exc:
        typer.echo(f"export failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{s.samples} samples from {s.figures} figures in {len(s.shards)} {format} shard(s) "
               f"({s.bytes / 1e6:.1f} MB) in {out} in {s.seconds:.1f} s")
    typer.echo(f"licences: {json.dumps(s.licenses)}")
    for reason, n in sorted(s.skipped.items()):
        typer.echo(f"skipped {n}: {reason}")
