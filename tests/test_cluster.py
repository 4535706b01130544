"""A real two-node Ray cluster on this machine: ``ray start --head`` + ``ray start --address``,
a harvest driven through ``ray_address=<head>`` (and ``pipelines/harvest_job.py``), one
worker process SIGKILLed mid-run; the tables must equal an in-process run's.

Every process is started here (``ray start --block``, one per node) and stopped by its PID
(its process tree), never by ``ray stop``, so other Ray clusters on the machine are left alone.
"""

from __future__ import annotations

import json
import shutil
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pmcmine.pipeline.harvest import HarvestOptions, harvest, parse_since
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sample import write_sample
from pmcmine.sample.bucket import write_inventory
from pmcmine.sources.bucket_server import BucketServer

from harvest_servers import FaultyBucket
from test_harvest import FAST, snapshot

psutil = pytest.importorskip("psutil")
pytest.importorskip("ray")

ROOT = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))
# `ray start` turns token authentication on by default while `ray.init` clients default to it
# off: every process of the test (nodes, drivers, workers) gets the same explicit mode.
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled"}
STAGES = StageOptions(kb=None, detector=None)

DRIVER = """
import json, sys
from pmcmine.pipeline.harvest import HarvestOptions, harvest, parse_since
from pmcmine.pipeline.stages import StageOptions
from pmcmine.sources.http import HttpConfig
endpoint, db, address = sys.argv[1:4]
s = harvest(HarvestOptions(since=parse_since("2024-01"), source="cloud", endpoint=endpoint,
                           ray_address=address, workers=2, batch_size=2,
                           http=HttpConfig(backoff=0.01, max_wait=0.05, retries=4, timeout=(2.0, 5.0)),
                           stages=StageOptions(kb=None, detector=None)), db)
print("SUMMARY " + json.dumps({"planned": s.planned, "done": s.done, "failed": s.failed,
                               "skipped": s.skipped, "failures": s.failures}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Two Ray nodes (1 CPU each) started with ``ray start --block``; stopped by PID."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        # Ray's socket paths must stay under 107 bytes: a short private folder, not tmp_path.
        self.ray_tmp = Path(tempfile.mkdtemp(prefix="pmr", dir="/tmp"))
        self.procs: list[subprocess.Popen] = []
        self.port = _free_port()
        # The machine's address as Ray sees it: drivers and nodes must agree on it.
        from ray.util import get_node_ip_address

        self.ip = get_node_ip_address()
        self.address = f"{self.ip}:{self.port}"

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")
        p = subprocess.Popen([RAY, "start", "--block", "--num-cpus=1", "--memory=1500000000",
                              "--object-store-memory=100000000", "--disable-usage-stats", *args],
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=ENV)
        self.procs.append(p)
        return p

    def start(self) -> Cluster:
        self._start(["--head", f"--port={self.port}", f"--node-ip-address={self.ip}",
                     "--include-dashboard=false", f"--temp-dir={self.ray_tmp}",
                     "--resources={\"head\": 1}"], "head")
        self._wait_started("head")
        self._start([f"--address={self.address}", f"--node-ip-address={self.ip}",
                     "--resources={\"second\": 1}"], "node2")
        self._wait_started("node2")
        self._wait_nodes(2)
        return self

    def _wait_started(self, name: str, timeout: float = 120) -> None:
        # A client connecting before the GCS is up can hang; wait for `ray start` to say so.
        log, proc = self.tmp / f"{name}.log", self.procs[-1]
        t0 = time.time()
        while time.time() - t0 < timeout:
            if "Ray runtime started" in log.read_text():
                return
            if proc.poll() is not None:
                raise RuntimeError(f"ray start ({name}) exited {proc.returncode}: {log.read_text()[-3000:]}")
            time.sleep(0.5)
        raise TimeoutError(f"ray start ({name}) did not start: {log.read_text()[-3000:]}")

    def _wait_nodes(self, n: int, timeout: float = 120) -> None:
        t0 = time.time()
        while time.time() - t0 < timeout:
            r = subprocess.run([sys.executable, "-c",
                                "import ray,sys; ray.init(address=sys.argv[1], log_to_driver=False);"
                                "print(sum(1 for n in ray.nodes() if n['Alive']))", self.address],
                               capture_output=True, text=True, timeout=90, env=ENV)
            if r.returncode == 0 and r.stdout.strip().splitlines()[-1:] == [str(n)]:
                return
            time.sleep(2)
        raise TimeoutError(f"the cluster did not reach {n} nodes")

    def pids(self) -> set[int]:
        out = set()
        for p in self.procs:
            try:
                out |= {c.pid for c in psutil.Process(p.pid).children(recursive=True)}
            except psutil.NoSuchProcess:
                pass
        return out

    def task_workers(self, name: str = "harvest_one") -> list[psutil.Process]:
        """Worker processes of this cluster now running a task of ``name``."""
        found = []
        for pid in self.pids():
            try:
                proc = psutil.Process(pid)
                if any(name in part for part in proc.cmdline()):
                    found.append(proc)
            except psutil.Error:
                pass
        return found

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                kids = []
                try:
                    kids = psutil.Process(p.pid).children(recursive=True)
                except psutil.NoSuchProcess:
                    pass
                p.send_signal(signal.SIGTERM)  # `ray start --block` stops its node's processes
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                for k in kids:  # anything the node left behind, by PID
                    try:
                        k.kill()
                    except psutil.Error:
                        pass
        shutil.rmtree(self.ray_tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("csample")
    truth = write_sample(out, articles=10, seed=11)
    write_inventory(out / "cloud", truth)
    return out


def _opts(endpoint: str, **kw) -> HarvestOptions:
    return HarvestOptions(since=parse_since("2024-01"), source="cloud", endpoint=endpoint, http=FAST,
                          stages=STAGES, **kw)


def test_job_args_join_the_jobs_cluster():
    sys.path.insert(0, str(ROOT / "pipelines"))
    try:
        from harvest_job import job_args
    finally:
        sys.path.pop(0)
    assert job_args(["--since", "2024-01"], {"RAY_ADDRESS": "http://h:8265"})[-2:] == ["--ray-address", "auto"]
    assert job_args(["--ray-address", "none"], {"RAY_ADDRESS": "x"}) == ["harvest", "--ray-address", "none"]
    assert job_args(["--since", "2024"], {}) == ["harvest", "--since", "2024"]


@pytest.mark.slow
def test_two_node_cluster_with_a_killed_worker_equals_in_process(sample, tmp_path):
    with BucketServer(sample / "cloud") as server:
        harvest(_opts(server.url), tmp_path / "ref.duckdb")
    want = snapshot(tmp_path / "ref.duckdb")
    assert want["articles"]
    cluster = Cluster(tmp_path).start()
    killed: list[int] = []
    try:
        # A slow bucket so tasks are in flight long enough to kill one of them.
        with FaultyBucket(sample / "cloud", {}, delay=0.15) as server:
            driver = subprocess.Popen([sys.executable, "-c", DRIVER, server.url, str(tmp_path / "c.duckdb"),
                                       cluster.address], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, cwd=tmp_path, env=ENV)
            t0 = time.time()
            while not killed and driver.poll() is None and time.time() - t0 < 180:
                busy = cluster.task_workers()
                if busy:
                    busy[0].kill()  # SIGKILL one worker process mid-task
                    killed.append(busy[0].pid)
                time.sleep(0.05)
            out, _ = driver.communicate(timeout=300)
        assert driver.returncode == 0, out[-3000:]
        summary = json.loads(out.rsplit("SUMMARY ", 1)[1].splitlines()[0])
        assert killed, "no worker was running a task to kill: " + out[-2000:]
        assert summary["failed"] == 0, summary
        assert snapshot(tmp_path / "c.duckdb") == want  # nothing lost or doubled
    finally:
        cluster.stop()
    assert not (cluster.pids() & set(killed))


@pytest.mark.slow
def test_harvest_job_entrypoint_on_the_cluster(sample, tmp_path):
    """``python pipelines/harvest_job.py`` with ``RAY_ADDRESS`` set, as ``ray job submit`` runs it."""
    with BucketServer(sample / "cloud") as server:
        harvest(_opts(server.url), tmp_path / "ref.duckdb")
    want = snapshot(tmp_path / "ref.duckdb")
    cluster = Cluster(tmp_path).start()
    try:
        with BucketServer(sample / "cloud") as server:
            env = {**ENV, "RAY_ADDRESS": cluster.address}
            r = subprocess.run([sys.executable, str(ROOT / "pipelines" / "harvest_job.py"), "--since", "2024-01",
                                "--endpoint", server.url, "--db", str(tmp_path / "job.duckdb"), "--workers", "2",
                                "--no-tag", "--quiet"], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    finally:
        cluster.stop()
    assert snapshot(tmp_path / "job.duckdb") == want


SHARD_DRIVER = DRIVER.replace('since=parse_since("2024-01"), ', "").replace(
    "endpoint, db, address = sys.argv[1:4]", "endpoint, db, address, shard = sys.argv[1:5]").replace(
    "ray_address=address,", "ray_address=address, shard=tuple(map(int, shard.split('/'))),")


@pytest.mark.slow
def test_sharded_jobs_with_a_killed_node_merge_to_one_run(sample, tmp_path):
    """Two shard jobs (``--shard 0/2``, ``1/2``) on a two-node cluster; the second node is
    SIGKILLed (its raylet and workers) mid-run. Ray reruns the lost tasks on the head node;
    the merged shards equal one in-process run: nothing lost, nothing doubled."""
    from test_shards import full_snapshot

    from pmcmine.store.merge import merge

    with BucketServer(sample / "cloud") as server:
        harvest(HarvestOptions(source="cloud", endpoint=server.url, http=FAST, stages=STAGES),
                tmp_path / "ref.duckdb")
    want = full_snapshot(tmp_path / "ref.duckdb")
    cluster = Cluster(tmp_path).start()
    node2 = cluster.procs[1]
    killed: list[int] = []
    try:
        with FaultyBucket(sample / "cloud", {}, delay=0.3) as server:
            drivers = [subprocess.Popen([sys.executable, "-c", SHARD_DRIVER, server.url,
                                         str(tmp_path / f"shard-{i}.duckdb"), cluster.address, f"{i}/2"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        cwd=tmp_path, env=ENV) for i in range(2)]
            t0 = time.time()
            while not killed and any(d.poll() is None for d in drivers) and time.time() - t0 < 180:
                tree = {c.pid for c in psutil.Process(node2.pid).children(recursive=True)}
                if any(p.pid in tree for p in cluster.task_workers()):
                    for pid in [node2.pid, *tree]:  # the whole node at once, as a lost machine
                        try:
                            os.kill(pid, signal.SIGKILL)
                            killed.append(pid)
                        except ProcessLookupError:
                            pass
                time.sleep(0.05)
            outs = [d.communicate(timeout=400)[0] for d in drivers]
        assert killed, "the second node never ran a task: " + outs[0][-2000:]
        for d, out in zip(drivers, outs):
            assert d.returncode == 0, out[-3000:]
            summary = json.loads(out.rsplit("SUMMARY ", 1)[1].splitlines()[0])
            assert summary["failed"] == 0, summary
    finally:
        cluster.stop()
    merge(tmp_path / "merged.duckdb", [tmp_path / f"shard-{i}.duckdb" for i in range(2)])
    assert full_snapshot(tmp_path / "merged.duckdb") == want
