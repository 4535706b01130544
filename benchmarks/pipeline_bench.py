"""The default pipeline end to end: articles/s/core, where the time goes, peak RSS, and
in-process vs Ray with 1 and 2 workers — in one run, repeated.

    python benchmarks/pipeline_bench.py                       # 24 real-shaped articles, modes none,1,2
    python benchmarks/pipeline_bench.py --articles 300 --repeat 3

Serves a generated sample on 127.0.0.1 (PMC Cloud layout with its S3 inventory; by default
``REAL_SHAPE``: ≈ 6 figures an article, 1–3 MP JPEGs, ~90% compound; cached under
``--cache`` so reruns read the same bytes) and harvests all of it into a fresh corpus once per
mode and repeat: ``none`` (in this process), ``1``/``2`` (a fresh local Ray with that many
workers). Each run is a child process, so peak RSS and model loading are its own. The whole
default pipeline runs: fetch → parse → hash/probe/store images → decode → panel detection
(``auto``) → label OCR → subcaptions → alignment → concept tagging (the open KB when built:
``pmcmine kb build --open``) → the driver's batched DuckDB commits.

Rates count from the first task to the last commit, model loading in the workers included
(a real job pays it once per worker); Ray's start-up is excluded (once per job). Per stage,
time is measured inside the workers by wrapping leaf functions (the parts add up; ``other``
is the rest: rows, crop hashes, pickling), summed over tasks; ``write`` is the driver's
commit time. Peak RSS is each process's ``ru_maxrss``; ``loads`` counts the worker processes
that loaded the models (once per worker process: Ray reuses them for every task).

Targets (issue 15): ≥ 1 article/s/core; 2 workers ≥ 1.8× one; ≤ 2 GiB per worker. On a
shared machine the load average (printed) says how much the ratios are worth.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a fresh clone runs without installing pmcmine

import pmcmine.pipeline.harvest as H  # noqa: E402

_TIMES: dict[str, float] = defaultdict(float)  # wall seconds by stage
_CPU: dict[str, float] = defaultdict(float)  # CPU seconds by stage (robust on a busy machine)
_PATCHED = False


class _Clock:
    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.t, self.c = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        _TIMES[self.name] += time.perf_counter() - self.t
        _CPU[self.name] += time.process_time() - self.c


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        with _Clock(name):
            return fn(*a, **kw)
    return wrapper


class _TimedDetector:
    def __init__(self, det):
        self._det, self.name = det, det.name
        if getattr(det, "candidates", None):  # auto: split_figure runs each candidate
            self.candidates = [_TimedDetector(c) for c in det.candidates]

    def __getattr__(self, name):
        return getattr(self._det, name)

    def panels(self, image):
        with _Clock(f"detect {self.name.split('@')[0]}"):
            return self._det.panels(image)


def _patch() -> None:
    """Wrap the leaf stages, once per process."""
    global _PATCHED
    if _PATCHED:
        return
    import pmcmine.figures.images as images
    import pmcmine.figures.labels as labels
    import pmcmine.figures.split as split
    import pmcmine.pipeline.process as process
    import pmcmine.pipeline.stages as stages
    import pmcmine.text.align as align
    import pmcmine.text.concepts as concepts
    import pmcmine.text.subcaptions as subcaptions
    from pmcmine.sources.cloud import CloudBucket

    CloudBucket.get = _timed("fetch", CloudBucket.get)
    CloudBucket.get_json = _timed("fetch", CloudBucket.get_json)
    import pmcmine.pipeline.harvesters.cloud as hcloud
    import pmcmine.pipeline.harvesters.legacy as hlegacy

    hcloud.parse_package = _timed("parse", hcloud.parse_package)
    hlegacy.parse_package = hcloud.parse_package
    process.probe_image = _timed("probe+phash", process.probe_image)
    process.write_atomic = _timed("store images", process.write_atomic)
    images.open_image = _timed("decode", images.open_image)
    labels.read_panel_labels = _timed("label ocr", labels.read_panel_labels)
    split.read_figure_labels = _timed("figure letters", split.read_figure_labels)
    align.align = _timed("align", align.align)
    subcaptions.split_caption = _timed("subcaptions", subcaptions.split_caption)
    concepts.tag_article = _timed("tag", concepts.tag_article)
    orig_detector, orig_tagger = stages._detector, stages._tagger

    @functools.lru_cache(maxsize=2)
    def detector(kind):
        with _Clock("model load"):
            det = orig_detector(kind)
        return _TimedDetector(det)

    @functools.lru_cache(maxsize=2)
    def tagger(kb, min_score):
        with _Clock("model load"):
            return orig_tagger(kb, min_score)

    stages._detector, stages._tagger = detector, tagger
    _PATCHED = True


def timed_harvest_one(task):
    """``harvest_one`` with per-stage times, the task's wall and CPU time and peak RSS."""
    _patch()
    _TIMES.clear()
    _CPU.clear()
    t, cpu = time.perf_counter(), time.process_time()
    outcome = _ORIG_HARVEST_ONE(task)
    outcome.bench = {"times": dict(_TIMES), "cpu_times": dict(_CPU), "total": time.perf_counter() - t, "pid": os.getpid(),
                     "cpu": time.process_time() - cpu,
                     "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    return outcome


_ORIG_HARVEST_ONE = H.harvest_one


# -- one run (a child process) ---------------------------------------------------------

def child(mode: str, url: str, db: Path, stages_json: str) -> dict:
    from pmcmine.pipeline.executor import init_ray
    from pmcmine.pipeline.harvest import HarvestOptions, harvest
    from pmcmine.pipeline.stages import StageOptions
    from pmcmine.store.corpus import Corpus

    stages = StageOptions(**json.loads(stages_json))
    workers = 1 if mode == "none" else int(mode)
    address = "none" if mode == "none" else "local"
    startup = 0.0
    if address == "local":
        t = time.perf_counter()
        init_ray("local", workers)
        startup = time.perf_counter() - t
    stats = {"times": defaultdict(float), "cpu_times": defaultdict(float), "total": 0.0, "cpu": 0.0, "rss": {}, "write": 0.0}
    orig_run_tasks, orig_write = H.run_tasks, Corpus.write
    # Workers must import the task function from a module (this file, on their PYTHONPATH),
    # so that its per-process state (patched stages, timers, models) lives once per worker.
    from pipeline_bench import timed_harvest_one as task_fn

    def run_tasks(fn, items, **kw):
        for o in orig_run_tasks(task_fn, items, **kw):
            b = getattr(o, "bench", None)
            if b:
                for k, v in b["times"].items():
                    stats["times"][k] += v
                for k, v in b["cpu_times"].items():
                    stats["cpu_times"][k] += v
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
    cpu0 = time.process_time()
    s = harvest(HarvestOptions(source="cloud", endpoint=url, ray_address=address, workers=workers,
                               batch_size=64, stages=stages), db)
    driver_cpu = time.process_time() - cpu0
    with Corpus(db, read_only=True) as c:
        counts = {t: c.sql(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("articles", "figures", "subfigures", "mentions")}
    if address == "local":
        import ray

        ray.shutdown()
    return {"mode": mode, "workers": workers, "seconds": s.seconds, "planned": s.planned,
            "failed": s.failed, "figures": s.figures, "bytes": s.bytes, "startup": startup, "counts": counts,
            "times": dict(stats["times"]), "cpu_times": dict(stats["cpu_times"]), "total": stats["total"], "cpu": stats["cpu"],
            "write": stats["write"], "driver_cpu": driver_cpu,
            "driver_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "rss": stats["rss"], "load1": os.getloadavg()[0]}


# -- the parent: sample, server, runs, report --------------------------------------------

def _rate(r: dict) -> float:
    return r["planned"] / r["seconds"]


def _steady(r: dict) -> float:
    """Articles/s less the workers' model loading (paid once per worker, in parallel): what a
    long run approaches. Short runs are dominated by it (≈ 13 s per worker, mostly the KB)."""
    return r["planned"] / max(1e-9, r["seconds"] - r["times"].get("model load", 0.0) / r["workers"])


def _label(mode: str) -> str:
    return "in-process" if mode == "none" else f"ray x{mode}"


def report_run(r: dict) -> None:
    n, w = max(1, r["planned"]), r["workers"]
    rate = _rate(r)
    print(f"\n== {_label(r['mode'])}: {r['planned']} articles, {r['figures']} figures in "
          f"{r['seconds']:.1f} s = {rate:.2f} articles/s, {r['figures'] / r['seconds']:.2f} figures/s "
          f"({rate / w:.2f} articles/s/core); failed {r['failed']}; load average {r['load1']:.1f}")
    if r["startup"]:
        print(f"   ray start-up {r['startup']:.1f} s (excluded)")
    print(f"   steady state (less per-worker model loading, {r['times'].get('model load', 0.0) / w:.1f} s): "
          f"{_steady(r):.2f} articles/s")
    print(f"   worker CPU {1000 * r['cpu'] / n:.0f} ms/article, wall {1000 * r['total'] / n:.0f} ms/article "
          f"(wall > CPU: waiting for a core); driver CPU {1000 * r['driver_cpu'] / n:.0f} ms/article")
    print(f"   rows: {r['counts']}; fetched {r.get('bytes', 0) / 1e6:.1f} MB "
          f"({r.get('bytes', 0) / 1e3 / n:.0f} kB/article)")
    total, cpu = r["total"] or 1.0, r["cpu"] or 1.0
    parts = sorted(r["cpu_times"].items(), key=lambda kv: -kv[1])
    print("   worker time by stage (summed over tasks; CPU is what a core pays, wall adds waiting):")
    print(f"     {'stage':<16} {'CPU s':>7} {'share':>6} {'CPU ms/art':>10} {'wall share':>10}")
    for k, v in [*parts, ("other", cpu - sum(v for _, v in parts))]:
        wall = r["times"].get(k, total - sum(r["times"].values()))
        print(f"     {k:<16} {v:7.2f} {100 * v / cpu:5.1f}% {1000 * v / n:10.1f} {100 * wall / total:9.1f}%")
    print(f"   driver DuckDB writes: {r['write']:.2f} s ({100 * r['write'] / r['seconds']:.1f}% of the run)")
    print(f"   peak RSS: driver {r['driver_rss_kb'] / 1024:.0f} MiB"
          + "".join(f"; worker {pid} {kb / 1024:.0f} MiB" for pid, kb in sorted(r["rss"].items())))


def summary_table(runs: dict[str, list[dict]], cores: int) -> None:
    print("\n== summary (min / median over repeats; rates from first task to last commit; "
          "CPU ms/art and art/CPU-s: worker CPU, model loading left out)")
    head = f"{'mode':<11} {'art/s':>13} {'art/s/core':>13} {'fig/s/core':>13} {'vs 1 worker':>12} {'steady':>7} " \
           f"{'CPU ms/art':>11} {'art/CPU-s':>10} {'write %':>8} {'max RSS/worker':>15} {'loads':>6} {'load avg':>9}"
    print(head)
    print("-" * len(head))
    base = runs.get("1") or runs.get("none")
    base_med = statistics.median(_rate(r) for r in base) if base else None
    base_steady = statistics.median(_steady(r) for r in base) if base else None
    for mode, rs in runs.items():
        w = rs[0]["workers"]
        rates = [_rate(r) for r in rs]
        figs = [r["figures"] / r["seconds"] / w for r in rs]
        rss = max(max(r["rss"].values(), default=0) for r in rs) / 1024
        loads = statistics.median(len(r["rss"]) for r in rs)
        write = statistics.median(100 * r["write"] / r["seconds"] for r in rs)
        ratio = statistics.median(rates) / base_med if base_med else float("nan")
        steady = statistics.median(_steady(r) for r in rs) / base_steady if base_steady else float("nan")
        # Worker CPU per article (models' loading left out): what a core pays, whatever else
        # the machine runs — the load-independent per-core rate the cost model uses.
        cpu_ms = statistics.median(1000 * (r["cpu"] - r["cpu_times"].get("model load", 0.0)) / r["planned"]
                                   for r in rs)
        print(f"{_label(mode):<11} {min(rates):5.2f} / {statistics.median(rates):5.2f} "
              f"{min(rates) / w:5.2f} / {statistics.median(rates) / w:5.2f} "
              f"{min(figs):5.2f} / {statistics.median(figs):5.2f} {ratio:11.2f}x {steady:6.2f}x {cpu_ms:11.0f} {1000 / cpu_ms:10.2f} {write:7.1f}% "
              f"{rss:11.0f} MiB {loads:6.0f} {statistics.median(r['load1'] for r in rs):9.1f}")
    if "1" in runs and "2" in runs:
        a = statistics.median(_rate(r) for r in runs["1"])
        b = statistics.median(_rate(r) for r in runs["2"])
        print(f"scaling ray x2 / ray x1 (medians): {b / a:.2f}x, steady state (less model loading) "
              f"{statistics.median(_steady(r) for r in runs['2']) / statistics.median(_steady(r) for r in runs['1']):.2f}x "
              f"(target ≥ 1.8); "
              f"{cores} cores on this machine, shared by the bucket server and the driver")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=24)
    ap.add_argument("--modes", default="none,1,2", help="none (in-process) and/or Ray worker counts")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--detector", default="auto", help="auto | classic | yolo | none")
    ap.add_argument("--kb", default="default", help="KB for tagging: default (open when built), a name, or none")
    ap.add_argument("--no-ocr", action="store_true")
    ap.add_argument("--shape", choices=("real", "small"), default="real",
                    help="real: ≈6 figures/article, 1–3 MP; small: the test sample's shape")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "pmcmine-bench-sample")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--stages", help=argparse.SUPPRESS)
    args = ap.parse_args()

    sys.stdout.reconfigure(line_buffering=True)  # progress shows in a log file too
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.url, args.db, args.stages)))
        return

    import dataclasses

    from pmcmine.pipeline.stages import StageOptions, default_kb
    from pmcmine.sample.bucket import cached_bucket_sample
    from pmcmine.sample.generate import REAL_SHAPE, SampleShape
    from pmcmine.sources.bucket_server import BucketServer

    here = str(Path(__file__).resolve().parent)  # children and Ray workers import this module
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(p for p in (here, str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    kb = default_kb() if args.kb == "default" else (None if args.kb == "none" else args.kb)
    stages = StageOptions(kb=kb, detector=None if args.detector == "none" else args.detector, ocr=not args.no_ocr)
    sample = cached_bucket_sample(args.cache, args.articles,
                                  shape=REAL_SHAPE if args.shape == "real" else SampleShape())
    truth = json.loads((sample / "truth.json").read_text())
    figs = [f for a in truth["articles"] for f in a["figures"]]
    mp = sorted(f["width"] * f["height"] / 1e6 for f in figs)
    print(f"sample {sample}: {len(truth['articles'])} article versions, {len(figs) / len(truth['articles']):.1f} "
          f"figures each, {mp[len(mp) // 2]:.1f} MP median ({mp[0]:.1f}–{mp[-1]:.1f}), "
          f"{sum(len(f['panels']) > 1 for f in figs) / len(figs):.0%} compound")
    print(f"stages: detector={stages.detector} ocr={stages.ocr} kb={stages.kb} images stored; "
          f"cores here: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    if not kb:
        print("  (no concept tagging: build the open KB with `pmcmine kb build --open` to include it)")

    runs: dict[str, list[dict]] = {m: [] for m in args.modes.split(",")}
    with BucketServer(sample / "cloud") as server, tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeat):
            for mode in runs:
                db = Path(tmp) / f"{mode}-{rep}.duckdb"
                p = subprocess.run([sys.executable, __file__, "--child", mode, "--url", server.url,
                                    "--db", str(db), "--stages", json.dumps(dataclasses.asdict(stages))],
                                   env=env, capture_output=True, text=True)
                line = next((l for l in p.stdout.splitlines() if l.startswith("RESULT ")), None)
                if p.returncode or line is None:
                    sys.exit(f"{mode} run failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
                r = json.loads(line[len("RESULT "):])
                runs[mode].append(r)
                report_run(r)
    summary_table(runs, os.cpu_count() or 1)


if __name__ == "__main__":
    main()
