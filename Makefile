# The two commands of the README. Both do all set-up on a fresh machine first.
.PHONY: demo test setup bench clean

setup:
	@bash requirements/install.sh

demo: setup
	.venv/bin/pmcmine demo --out demo-out

test:
	@PMCMINE_DEBS="requirements/debian.txt requirements/debian-test.txt" bash requirements/install.sh
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python benchmarks/parse_bench.py

clean:
	rm -rf .venv demo-out .pytest_cache
