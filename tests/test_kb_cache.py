"""The KB cache under concurrent and interrupted builds: real processes, a real OS file lock.

A build is slowed down inside the child process (after its index is written, before the
rename) so that the race is certain, not likely.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("scispacy")
pytest.importorskip("nmslib")

from pmcmine.kb import api  # noqa: E402
from pmcmine.kb.store import KBError, check_kb, list_kbs, read_meta, resolve_kb  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "umls" / "META"
ROOT = Path(__file__).resolve().parents[1]

# Builds the fixture UMLS KB "fix" (force), pausing `pause` seconds once its files are written.
BUILD = """
import sys, time
from pmcmine.kb import api, index
pause = float(sys.argv[1])
real = index.build_linker_index
def slow(*a, **k):
    out = real(*a, **k)
    print("indexed", flush=True)
    time.sleep(pause)
    return out
index.build_linker_index = slow
info = api.build_umls(sys.argv[2], name="fix", force=True)
print("built", info.meta["built_at"], flush=True)
"""

# Resolves "fix" in a loop until told to stop; prints how many looks failed and why.
READ = """
import sys, time, os
from pmcmine.kb.store import KBError, resolve_kb, iter_concepts
stop = sys.argv[1]
ok, bad = 0, []
while not os.path.exists(stop):
    try:
        p = resolve_kb("fix", wait=60)
        ok += 1
    except KBError as exc:
        bad.append(str(exc))
    time.sleep(0.005)
print(ok, len(bad), bad[:3], flush=True)
"""


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    monkeypatch.setenv("PMCMINE_DATA_DIR", str(d))
    return d


def _env(data_dir: Path) -> dict:
    return {**os.environ, "PMCMINE_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _spawn(code: str, *args, data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=_env(data_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _leftovers(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "kb").iterdir() if p.is_dir() and p.name.startswith("."))


def test_two_concurrent_builds_and_a_reader(data_dir, tmp_path):
    api.build_umls(FIXTURE, name="fix")
    stop = tmp_path / "stop"
    reader = _spawn(READ, stop, data_dir=data_dir)
    a = _spawn(BUILD, 1.5, FIXTURE, data_dir=data_dir)
    assert a.stdout.readline().strip() == "indexed"  # a holds the lock, mid-build
    b = _spawn(BUILD, 0.2, FIXTURE, data_dir=data_dir)
    out_a, err_a = a.communicate(timeout=120)
    out_b, err_b = b.communicate(timeout=120)
    stop.touch()
    seen, _ = reader.communicate(timeout=60)
    assert a.returncode == 0, err_a
    assert b.returncode == 0, err_b
    assert "waiting" in err_b  # b waited for a's lock instead of writing over a's build
    built_a = out_a.split()[-1]
    built_b = out_b.split()[-1]
    assert built_b >= built_a
    manifest = check_kb(data_dir / "kb" / "fix", deep=True)
    assert {"concepts.jsonl", "meta.json", "linker/concept_aliases.json"} <= set(manifest["files"])
    assert read_meta(data_dir / "kb" / "fix")["built_at"] == built_b
    assert _leftovers(data_dir) == []
    ok, n_bad = map(int, seen.split()[:2])
    assert ok > 10 and n_bad == 0, seen  # the reader never saw a missing or half-built KB


def test_build_killed_mid_way_leaves_no_half_kb(data_dir):
    # First build killed: nothing called "fix" appears.
    p = _spawn(BUILD, 60, FIXTURE, data_dir=data_dir)
    assert p.stdout.readline().strip() == "indexed"
    assert any(n.startswith(".fix.tmp-") for n in _leftovers(data_dir))  # the build was real
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    with pytest.raises(KBError, match="no knowledge base 'fix'"):
        resolve_kb("fix", wait=5)
    assert list_kbs() == []

    # A KB in place, then a forced rebuild killed: the old one stays whole and in use.
    first = api.build_umls(FIXTURE, name="fix")
    assert _leftovers(data_dir) == []  # the killed build's folder was cleared under the lock
    p = _spawn(BUILD, 60, FIXTURE, data_dir=data_dir)
    assert p.stdout.readline().strip() == "indexed"
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    path = resolve_kb("fix", wait=5)
    check_kb(path, deep=True)
    assert read_meta(path)["built_at"] == first.meta["built_at"]
    assert [k.name for k in list_kbs()] == ["fix"]

    # The OS freed the dead builder's lock: the next build neither waits nor fails.
    t0 = time.perf_counter()
    again = api.build_umls(FIXTURE, name="fix", force=True)
    assert time.perf_counter() - t0 < 60
    check_kb(again.path, deep=True)
    assert _leftovers(data_dir) == []


def test_damaged_kb_is_reported_with_the_fix_and_rebuilt(data_dir):
    info = api.build_umls(FIXTURE, name="fix")
    (info.path / "linker" / "concept_aliases.json").unlink()
    with pytest.raises(KBError) as e:
        resolve_kb("fix", wait=1)
    msg = str(e.value)
    assert "linker/concept_aliases.json is missing" in msg
    assert f"pmcmine kb build --umls-meta {FIXTURE.resolve()} --name fix --force" in msg

    from pmcmine.pipeline.ingest import ingest
    from pmcmine.pipeline.stages import StageOptions

    db = data_dir / "c.duckdb"
    with pytest.raises(KBError, match="kb build"):  # fails before any work, corpus untouched
        ingest([FIXTURE], db, stages=StageOptions(kb="fix"))
    assert not db.exists()

    # `kb build` without --force rebuilds a damaged KB (a complete one needs --force).
    api.build_umls(FIXTURE, name="fix")
    check_kb(resolve_kb("fix"), deep=True)
    with pytest.raises(KBError, match="exists"):
        api.build_umls(FIXTURE, name="fix")
    assert api.build_umls(FIXTURE, name="fix", exist_ok=True).meta["built_at"]

    # A truncated file is caught by its size; a same-size change by its hash (kb info --verify).
    vec = info.path / "linker" / "tfidf_vectors_sparse.npz"
    data = vec.read_bytes()
    vec.write_bytes(data[:-10])
    with pytest.raises(KBError, match="tfidf_vectors_sparse.npz has"):
        resolve_kb("fix", wait=1)
    vec.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    resolve_kb("fix")  # workers only compare sizes ...
    with pytest.raises(KBError, match="sha256"):
        api.kb_info("fix", verify=True)
    with pytest.raises(KBError, match="tfidf_vectors_sparse.npz does not match its sha256"):
        StageOptions(kb="fix").check()  # ... the run's up-front check compares hashes


def test_kb_without_manifest_from_an_older_build(data_dir):
    info = api.build_umls(FIXTURE, name="fix")
    (info.path / "manifest.json").unlink()
    assert resolve_kb("fix") == info.path  # complete: still usable
    (info.path / "linker" / "nmslib_index.bin").unlink()  # what the overlapped demo runs left
    with pytest.raises(KBError, match="no manifest.json; missing or empty: linker/nmslib_index.bin"):
        resolve_kb("fix", wait=1)


def test_manifest_from_a_newer_pmcmine_is_refused(data_dir):
    info = api.build_umls(FIXTURE, name="fix")
    mf = info.path / "manifest.json"
    mf.write_text(json.dumps({**json.loads(mf.read_text()), "format": 99}))
    with pytest.raises(KBError, match="newer pmcmine"):
        resolve_kb("fix")


def test_every_run_command_stops_at_once_on_a_damaged_default_kb(data_dir, tmp_path):
    """The open KB half-built (what the overlapped demo runs left): ingest, harvest, process and
    tag stop before any work with the command that rebuilds it, instead of tagging nothing or
    failing every article."""
    from typer.testing import CliRunner

    from pmcmine.cli import app
    from pmcmine.pipeline.ingest import ingest
    from pmcmine.pipeline.stages import StageOptions
    from pmcmine.sample import write_sample

    write_sample(tmp_path / "s", articles=2, seed=3, layouts=("cloud",))
    db = tmp_path / "c.duckdb"
    ingest([tmp_path / "s" / "cloud"], db, media_dir=False, stages=StageOptions(detector=None))
    info = api.build_umls(FIXTURE, name="open")  # stands in for the open KB (same layout)
    (info.path / "manifest.json").unlink()  # as built before manifests, then half-replaced
    (info.path / "linker" / "concept_aliases.json").unlink()
    runner = CliRunner()
    for cmd in (["ingest", str(tmp_path / "s" / "cloud"), "--db", str(tmp_path / "new.duckdb"), "-q"],
                ["harvest", "--source", str(tmp_path / "s" / "cloud"), "--db", str(tmp_path / "new.duckdb"), "-q"],
                ["process", "--db", str(db), "-q"],
                ["tag", "--db", str(db)]):
        r = runner.invoke(app, cmd)
        out = " ".join(r.output.split())
        assert r.exit_code == 2, (cmd, r.output)
        assert "linker/concept_aliases.json" in out and "pmcmine kb build" in out and "--force" in out, (cmd, out)
        assert r.exception is None or isinstance(r.exception, SystemExit)
    assert not (tmp_path / "new.duckdb").exists()
