# Fresh machine: `make demo` (set up + chat with the demo data) and `make test` (set up + all tests).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup demo console test lint typecheck check bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: setup
	$(BIN)/sammachip demo

console: setup
	$(BIN)/sammachip console --as $(or $(AS),member)

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check bot scheduler tests bench
	$(BIN)/ruff format --check bot scheduler tests bench

typecheck: setup
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
