"""Harvest throughput over loopback: in-process vs Ray with N workers, same sample, one run.

    python benchmarks/harvest_bench.py --articles 500 --workers 2

Serves a generated sample (PMC Cloud layout with an S3 inventory) on 127.0.0.1 and harvests
all of it twice into fresh corpora: once in this process (``--ray-address none``) and once
on a local Ray cluster (``local``, ``--workers`` CPUs). Prints articles/s for both and the
ratio; Ray start-up is timed separately and excluded from the Ray rate (it is paid once per
job, not per article). The sample is cached under ``--cache`` between runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pmcmine.pipeline.executor import init_ray
from pmcmine.pipeline.harvest import HarvestOptions, harvest
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sample.bucket import cached_bucket_sample
from pmcmine.sources.bucket_server import BucketServer
from pmcmine.store.corpus import Corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--kb", default=None, help="also tag concepts with this KB (default: no tagging)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "pmcmine-bench-sample")
    args = ap.parse_args()

    sample = cached_bucket_sample(args.cache, args.articles)

    rates = {}
    with BucketServer(sample / "cloud") as server, tempfile.TemporaryDirectory() as tmp:
        for mode in ("none", "local"):
            if mode == "local":
                t = time.perf_counter()
                init_ray("local", args.workers)
                print(f"ray start-up: {time.perf_counter() - t:.1f} s (excluded)")
            db = Path(tmp) / f"{mode}.duckdb"
            opts = HarvestOptions(source="cloud", endpoint=server.url, ray_address=mode,
                                  workers=1 if mode == "none" else args.workers, batch_size=64,
                                  stages=StageOptions(kb=args.kb))
            s = harvest(opts, db)
            with Corpus(db, read_only=True) as c:
                n = c.sql("SELECT count(*) FROM articles").fetchone()[0]
            rates[mode] = s.planned / s.seconds
            print(f"{'in-process' if mode == 'none' else f'ray x{args.workers}':>12}: "
                  f"{s.planned} items ({n} articles, {s.figures} figures, {s.bytes / 1e6:.0f} MB) "
                  f"in {s.seconds:.1f} s = {rates[mode]:.1f} articles/s; failed {s.failed}")
    print(f"ratio ray/in-process: {rates['local'] / rates['none']:.2f}x")


if __name__ == "__main__":
    main()
