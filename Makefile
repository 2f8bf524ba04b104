# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
QUESTION ?= What did China say about DNA databases?

.PHONY: install dev run test lint bench bench-scale eval lock audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned to the CPU build on local disk: a bare "torch" pulls a
# multi-GB CUDA build. It is only used once, to export MiniLM to ONNX.
# requirements.lock pins every dependency (pip constraints): installs are reproducible.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -c requirements.lock torch==2.13.0
	$(BIN)/pip install -q -c requirements.lock -e '.[export]'
	touch $@

# llama-cpp-python compiles llama.cpp (about 6 min on 2 cores). GGML_NATIVE=OFF
# builds for a portable x86-64 (AVX2) target: a native build used AMX
# instructions this sandbox refuses ("Illegal instruction").
$(VENV)/.installed-dev: $(VENV)/.installed
	CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
		$(BIN)/pip install -q -c requirements.lock -e '.[export,eval,dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: install
	$(BIN)/reportbot ingest
	$(BIN)/reportbot ask "$(QUESTION)"

test: dev
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check rag bot eval tests
	$(BIN)/mypy

# Citation accuracy on every question set (report in eval/report/), then the
# retrieval comparison with the LangChain tutorial pipeline.
eval: dev
	$(BIN)/reportbot eval --scope whole --report eval/report --out eval/report/answers.jsonl --baseline \
		--gate eval/thresholds.json
	$(BIN)/python eval/retrieval.py

bench: dev
	$(BIN)/python eval/bench.py
	$(BIN)/python eval/bench_bot.py

# How cost grows with the corpus (about 10 min); add 100000 to --sizes by hand (about 15 more).
bench-scale: dev
	$(BIN)/python eval/bench_scale.py --sizes 1000 10000 --server --json eval/report/scale.json

# After changing dependencies in pyproject.toml: re-resolve and re-pin.
lock: dev
	{ echo "# Exact versions of every dependency, used as pip constraints by the Makefile so"; \
	  echo "# installs are reproducible. Regenerate after changing pyproject.toml: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^reportbot'; } > requirements.lock

# Known vulnerabilities in the pinned versions (needs a vulnerability database:
# pypi.org's JSON API or osv.dev, which this sandbox cannot reach).
audit: dev
	$(BIN)/pip install -q pip-audit
	$(BIN)/pip-audit -r requirements.lock --no-deps --disable-pip

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
