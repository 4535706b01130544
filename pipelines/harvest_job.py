"""Ray job entry point: ``pmcmine harvest`` on a Ray cluster, same options as the CLI.

    ray job submit --address http://HEAD:8265 --working-dir . -- \
        python pipelines/harvest_job.py --since 2024-01 --license commercial \
            --db /shared/corpus.duckdb --workers 64

Every option of ``pmcmine harvest --help`` is accepted unchanged (the CLI's own parser reads
them). Inside a submitted job (``RAY_ADDRESS`` set by Ray) the harvest joins that cluster
(``--ray-address auto``) unless ``--ray-address`` is given. ``--workers`` bounds the tasks in
flight (2 per worker); each task asks Ray for 1 CPU, so a cluster of N CPUs runs N at once.

The driver (this process, on the head node or wherever the job's entrypoint runs) is the
single DuckDB writer: ``--db`` and ``--media-dir`` must be on storage every node reaches
(NFS, a shared volume) because workers write figure images to the media folder; the corpus
file itself is written only by the driver. Killing a worker mid-run loses nothing: Ray
retries its task, and a task that keeps failing is recorded as failed and retried by the
next run (``harvest_state``).
"""

from __future__ import annotations

import os
import sys


def job_args(argv: list[str], environ: dict[str, str] | None = None) -> list[str]:
    """``harvest`` + the user's arguments, joining the job's cluster by default."""
    env = os.environ if environ is None else environ
    args = list(argv)
    if not any(a == "--ray-address" or a.startswith("--ray-address=") for a in args) and env.get("RAY_ADDRESS"):
        args += ["--ray-address", "auto"]
    return ["harvest", *args]


def main(argv: list[str] | None = None) -> None:
    from pmcmine.cli import app

    app(args=job_args(sys.argv[1:] if argv is None else argv), prog_name="harvest_job.py")


if __name__ == "__main__":
    main()
