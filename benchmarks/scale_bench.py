"""End-to-end harvest scaling on Ray: 1 vs 2 workers in one run, where the time goes, peak RSS.

    python benchmarks/scale_bench.py --articles 60 --workers 1,2 [--detector auto] [--kb open]

Serves a generated sample (PMC Cloud layout, S3 inventory) on 127.0.0.1 and harvests all of
it into a fresh corpus once per worker count, each on a fresh local Ray cluster of that many
CPUs (start-up excluded from the rate; model loading in the workers included, as a real job
pays it). The full pipeline runs: fetch → parse → images → panel detection → label OCR →
subcaptions → alignment → concept tagging, and the driver's DuckDB commits.

Per stage, the time is measured inside the workers by wrapping the stage functions (leaf
stages only, so the parts add up), summed over all tasks, and shown as a share of worker
time; ``other`` is the rest of each task (rows, hashing, pickling). ``write`` is the driver's
commit time. Peak RSS is each worker process's ``ru_maxrss``.

Targets (issue 7): 2 workers ≥ 1.8× one; ≥ 1 article/s/core end to end with detection, OCR
and tagging; peak RSS per worker ≤ 2 GiB.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pmcmine.pipeline.harvest as H
from pmcmine.pipeline.executor import init_ray
from pmcmine.pipeline.harvest import HarvestOptions, harvest
from pmcmine.pipeline.stages import StageOptions, default_kb
from pmcmine.sample.bucket import cached_bucket_sample
from pmcmine.sources.bucket_server import BucketServer
from pmcmine.store.corpus import Corpus

_TIMES: dict[str, float] = defaultdict(float)
_PATCHED = False


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        t = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            _TIMES[name] += time.perf_counter() - t
    return wrapper


class _TimedDetector:
    def __init__(self, det):
        self._det, self.name = det, det.name
        if getattr(det, "candidates", None):  # auto: split_figure runs each candidate
            self.candidates = [_TimedDetector(c) for c in det.candidates]

    def panels(self, image):
        t = time.perf_counter()
        try:
            return self._det.panels(image)
        finally:
            _TIMES["detect"] += time.perf_counter() - t


def _patch() -> None:
    """Wrap the leaf stages, once per worker process."""
    global _PATCHED
    if _PATCHED:
        return
    import pmcmine.figures.labels as labels
    import pmcmine.figures.split as split
    import pmcmine.pipeline.stages as stages
    import pmcmine.text.align as align
    import pmcmine.text.concepts as concepts
    import pmcmine.text.subcaptions as subcaptions
    from pmcmine.sources.cloud import CloudBucket

    CloudBucket.get = _timed("fetch", CloudBucket.get)
    CloudBucket.get_json = _timed("fetch", CloudBucket.get_json)
    H.parse_package = _timed("parse", H.parse_package)
    H.attach_images = _timed("images", H.attach_images)
    labels.read_panel_labels = _timed("ocr", labels.read_panel_labels)
    split.read_figure_labels = _timed("figure letters", split.read_figure_labels)
    align.align = _timed("align", align.align)
    subcaptions.split_caption = _timed("subcaptions", subcaptions.split_caption)
    concepts.tag_article = _timed("tag", concepts.tag_article)
    orig_detector = stages._detector

    @functools.lru_cache(maxsize=2)
    def detector(kind):
        t = time.perf_counter()
        det = orig_detector(kind)
        _TIMES["model load"] += time.perf_counter() - t
        return _TimedDetector(det)

    stages._detector = detector
    orig_tagger = stages._tagger

    @functools.lru_cache(maxsize=2)
    def tagger(kb, min_score):
        t = time.perf_counter()
        tg = orig_tagger(kb, min_score)
        _TIMES["model load"] += time.perf_counter() - t
        return tg

    stages._tagger = tagger
    _PATCHED = True


def timed_harvest_one(task):
    """``harvest_one`` with per-stage times, the task's total and the process's peak RSS."""
    _patch()
    _TIMES.clear()
    t, cpu = time.perf_counter(), time.process_time()
    outcome = _ORIG_HARVEST_ONE(task)
    outcome.bench = {"times": dict(_TIMES), "total": time.perf_counter() - t, "pid": os.getpid(),
                     "cpu": time.process_time() - cpu,
                     "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    return outcome


_ORIG_HARVEST_ONE = H.harvest_one


def run(server_url: str, workers: int, stages: StageOptions, tmp: Path) -> dict:
    import ray

    if ray.is_initialized():
        ray.shutdown()
    t = time.perf_counter()
    init_ray("local", workers)
    startup = time.perf_counter() - t
    stats = {"times": defaultdict(float), "total": 0.0, "cpu": 0.0, "rss": {}, "write": 0.0}
    orig_run_tasks, orig_write = H.run_tasks, Corpus.write

    # The task function must reach the workers by reference (a module they import), so that
    # its per-process state (patched stages, timers) lives once per worker.
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    from scale_bench import timed_harvest_one as task_fn

    def run_tasks(fn, items, **kw):
        for o in orig_run_tasks(task_fn, items, **kw):
            b = getattr(o, "bench", None)
            if b:
                for k, v in b["times"].items():
                    stats["times"][k] += v
                stats["total"] += b["total"]
                stats["cpu"] += b["cpu"]
                stats["rss"][b["pid"]] = max(stats["rss"].get(b["pid"], 0), b["maxrss_kb"])
            yield o

    def write(self, *a, **kw):
        t0 = time.perf_counter()
        try:
            return orig_write(self, *a, **kw)
        finally:
            stats["write"] += time.perf_counter() - t0

    H.run_tasks, Corpus.write = run_tasks, write
    try:
        db = tmp / f"w{workers}.duckdb"
        s = harvest(HarvestOptions(source="cloud", endpoint=server_url, ray_address="local",
                                   workers=workers, batch_size=32, stages=stages), db)
    finally:
        H.run_tasks, Corpus.write = orig_run_tasks, orig_write
    with Corpus(db, read_only=True) as c:
        counts = {t: c.sql(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("articles", "figures", "subfigures", "mentions")}
    load1 = os.getloadavg()[0]
    ray.shutdown()
    return {"load1": load1, "summary": s, "startup": startup, "counts": counts, **stats}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--workers", default="1,2", help="worker counts to compare, in one run")
    ap.add_argument("--detector", default="auto", help="auto | classic | yolo | none")
    ap.add_argument("--kb", default="default", help="KB for tagging: default (open when built), a name, or none")
    ap.add_argument("--no-ocr", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "pmcmine-bench-sample")
    args = ap.parse_args()

    here = str(Path(__file__).resolve().parent)  # Ray workers import this module
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    kb = default_kb() if args.kb == "default" else (None if args.kb == "none" else args.kb)
    stages = StageOptions(kb=kb, detector=None if args.detector == "none" else args.detector, ocr=not args.no_ocr)
    sample = cached_bucket_sample(args.cache, args.articles)
    print(f"stages: detector={stages.detector} ocr={stages.ocr} kb={stages.kb}; cores here: {os.cpu_count()}")

    results = {}
    with BucketServer(sample / "cloud") as server, tempfile.TemporaryDirectory() as tmp:
        for w in (int(x) for x in args.workers.split(",")):
            r = results[w] = run(server.url, w, stages, Path(tmp))
            s = r["summary"]
            rate = s.planned / s.seconds
            print(f"\n== {w} worker(s): {s.planned} articles in {s.seconds:.1f} s = {rate:.2f} articles/s "
                  f"({rate / w:.2f}/s per worker; ray start-up {r['startup']:.1f} s excluded); failed {s.failed}")
            load = r["times"].get("model load", 0.0) / w  # each worker loads its models once, in parallel
            print(f"   steady state (less per-worker model loading, {load:.1f} s): "
                  f"{s.planned / max(1e-9, s.seconds - load):.2f} articles/s")
            print(f"   worker CPU {1000 * r['cpu'] / max(1, s.planned):.0f} ms/article "
                  f"(wall {1000 * r['total'] / max(1, s.planned):.0f} ms/article: wall > CPU means the "
                  f"workers waited for a core); load average at the end {r['load1']:.1f} on {os.cpu_count()} cores")
            print(f"   rows: {r['counts']}")
            total = r["total"] or 1.0
            parts = sorted(r["times"].items(), key=lambda kv: -kv[1])
            other = total - sum(v for _, v in parts)
            print("   worker time by stage (summed over tasks):")
            for k, v in [*parts, ("other", other)]:
                print(f"     {k:<12} {v:7.2f} s  {100 * v / total:5.1f}%  {1000 * v / max(1, s.planned):7.1f} ms/article")
            print(f"   driver DuckDB writes: {r['write']:.2f} s")
            for pid, kb_ in sorted(r["rss"].items()):
                print(f"   worker pid {pid}: peak RSS {kb_ / 1024:.0f} MiB")
    ws = sorted(results)
    if len(ws) >= 2:
        a, b = results[ws[0]]["summary"], results[ws[-1]]["summary"]
        print(f"\nscaling {ws[-1]} vs {ws[0]} worker(s): "
              f"{(b.planned / b.seconds) / (a.planned / a.seconds):.2f}x")


if __name__ == "__main__":
    main()
