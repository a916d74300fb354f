# retold — two commands: `make demo` and `make test`. Both build .venv from scratch when needed.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
PYTEST_WORKERS ?= 2

.PHONY: demo test install sysdeps lint typecheck bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first and pinned: a CPU build lies on disk; any other torch pulls gigabytes of CUDA.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[all,dev]'
	touch $(STAMP)

install: $(STAMP)

# System packages the suite needs: WordNet data (synonym spin in `retold synth`, the quality gate),
# Chromium (browser tests, driven by playwright through /usr/bin/chromium, no chromedriver) and
# Java 17 (Spark tests). Fails when one is missing and cannot be installed: under CI a skipped
# browser, spark, model or wordnet test is a failure anyway (tests/conftest.py).
sysdeps:
	@need=""; \
	[ -f /usr/share/wordnet/data.verb ] || need="$$need wordnet-base"; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	command -v java >/dev/null 2>&1 || [ -x "$${JAVA_HOME:-/nonexistent}/bin/java" ] || need="$$need default-jre-headless"; \
	if [ -n "$$need" ]; then \
	  echo "installing system packages:$$need"; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "error: not root, cannot install$$need; run: sudo apt-get install$$need" >&2; exit 1; fi; \
	  apt-get update -qq || { echo "error: apt-get update failed; cannot install$$need" >&2; exit 1; }; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null \
	    || { echo "error: apt-get could not install$$need" >&2; exit 1; }; \
	fi

demo: install sysdeps
	@echo "== retold compare: the bundled seed pair (examples/) =="
	$(BIN)/retold compare examples/000_f1f864ec94766fbf.txt examples/001_fa24727afca519d2.txt
	$(BIN)/retold compare examples/000_f1f864ec94766fbf.txt examples/001_fa24727afca519d2.txt --html out/seed-report.html > /dev/null
	@echo "HTML report: out/seed-report.html"
	@echo "== a small corpus: synthetic rewrites of generated articles, indexed and scanned =="
	rm -rf out/demo-corpus out/demo.db; mkdir -p out
	$(BIN)/retold synth --demo --out out/demo-corpus --n 12 --seed 7
	$(BIN)/retold add out/demo.db out/demo-corpus/docs
	$(BIN)/retold stats out/demo.db
	$(BIN)/retold scan out/demo.db --format table

test: install sysdeps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q  # ends with "markers run: model N, spark N, ..."

lint:
	$(BIN)/ruff check src tests bench

typecheck:
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out build dist src/*.egg-info
