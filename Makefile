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

# System packages: WordNet data (synonym spin in `retold synth`) and Chromium (browser tests).
sysdeps:
	@need=""; \
	[ -f /usr/share/wordnet/data.verb ] || need="$$need wordnet-base"; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	if [ -n "$$need" ]; then \
	  echo "installing system packages:$$need"; \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null) \
	      || echo "warning: could not install$$need; tests that need them will skip and say why"; \
	  else echo "warning: not root, cannot install$$need"; fi; \
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
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

lint:
	$(BIN)/ruff check src tests bench

typecheck:
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out build dist src/*.egg-info
