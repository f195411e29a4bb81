# Two commands matter: `make demo` starts the demo, `make test` runs the whole test suite.
# Both install what they need first (a virtualenv in .venv; Debian packages for the browser tests).
VENV ?= .venv
PYTHON ?= python3
ZHICHAO_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export ZHICHAO_TEST_DATABASE_URL

.PHONY: install system-deps demo test lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev,ocr]'
	touch $@

install: $(VENV)/.installed

system-deps:
	scripts/system-deps

demo: install system-deps
	$(VENV)/bin/zhichao demo

test: install system-deps
	scripts/test

lint: install
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/mypy

bench: install
	$(VENV)/bin/python bench/ingest_http.py
