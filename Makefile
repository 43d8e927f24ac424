# One command each, on a fresh machine: every target sets up .venv itself (quick when already set up).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# 2 cores, notebooks run in parallel: one thread per worker, and a quiet TensorFlow
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export TF_NUM_INTRAOP_THREADS := 1
export TF_NUM_INTEROP_THREADS := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install test test-slow demo bench docs docs-check sync-check clean

install: $(STAMP)

# torch first (the CPU wheel on the machine), then everything else constrained to it
$(STAMP): settings.ini setup.py constraints.txt
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q torch==2.13.0 2>&1 | grep -v "WARNING: Location" || true
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]" 2>&1 | grep -v "WARNING: Location" || true
	$(BIN)/python -c "import torch, tensorflow, nbdev, pkm_memory; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	touch $(STAMP)

sync-check: $(STAMP)
	PATH=$(abspath $(BIN)):$$PATH bash tools/check_sync.sh

# then, where Chromium is installed, build the site and check it in the browser (else the check says it skipped)
test: sync-check
	$(BIN)/nbdev_test --n_workers 2 --timing
	@if command -v chromium >/dev/null; then $(MAKE) --no-print-directory docs; fi
	$(BIN)/python tools/docs_check.py --if-chromium

test-slow: $(STAMP)
	$(BIN)/nbdev_test --n_workers 2 --flags slow --timing

# both cores (torch reads MKL_NUM_THREADS as well as OMP_NUM_THREADS: set both)
demo: $(STAMP)
	OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 TF_NUM_INTRAOP_THREADS=2 $(BIN)/pkm_memory_demo

# 2 threads for every row; transparent huge pages for torch's large CPU allocations (every row alike);
# TensorFlow with its default oneDNN setting (the tests above turn oneDNN off for reproducible numerics);
# BENCH_ARGS picks cases, e.g. make bench BENCH_ARGS="--case pkm"
BENCH_ARGS ?=
bench: $(STAMP)
	env -u TF_ENABLE_ONEDNN_OPTS OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 TF_NUM_INTRAOP_THREADS=2 THP_MEM_ALLOC_ENABLE=1 \
		$(BIN)/pkm_memory_bench --json bench_out/bench.json $(BENCH_ARGS)

docs: $(STAMP)
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python tools/docs.py

# the site in headless Chromium (Debian's package, installed when missing): pages, links, API reference, tracebacks
docs-check: docs
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(BIN)/python tools/docs_check.py

clean:
	rm -rf _docs _proc _docs_check bench_out demo_out
