# Fresh machine: `make demo` (runtime only + chat with the demo data) and `make test` (adds the
# test tools, then runs every test). Each stamp file is remade when pyproject.toml changes.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: setup runtime demo console test test-fast lint typecheck check bench clean

# Everything a developer needs: the runtime, pytest, hypothesis, playwright, ruff, mypy.
setup: $(VENV)/.installed-test

# What `sammachip` needs to run (demo, serve, poll, export): no test or lint tools.
runtime: $(VENV)/.installed-runtime

$(VENV)/.venv-created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	touch $@

$(VENV)/.installed-runtime: pyproject.toml $(VENV)/.venv-created
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints-tools.txt $(VENV)/.installed-runtime
	$(PIP) -c constraints-tools.txt -e '.[test]'
	touch $@

demo: runtime
	$(BIN)/sammachip demo

console: runtime
	$(BIN)/sammachip console --as $(or $(AS),member)

# Both run on up to four cores (pytest-xdist): each worker has its own databases, ports and
# PostgreSQL server, and most of the time is spent waiting on `serve` processes and the network.
XDIST = -n auto --maxprocesses 4

test: setup
	$(BIN)/pytest $(XDIST)

# While you work: the pure, service, storage, channel and report tests on SQLite only (about two
# minutes on two cores; the slow process-spawning suites are left out). `make test` (SQLite, plus
# PostgreSQL for the tests marked both_databases or postgres, whole conversations, real `serve`
# processes, attacks, reliability) is what CI runs.
test-fast: setup
	SAMMACHIP_TEST_PG=off $(BIN)/pytest -q $(XDIST) tests/unit tests/service tests/storage tests/reports \
		tests/scheduler tests/channels tests/understanding

lint: setup
	$(BIN)/ruff check bot scheduler tests bench
	$(BIN)/ruff format --check bot scheduler tests bench
	$(BIN)/pytest -q -p no:cacheprovider tests/unit/test_layers.py  # the import contract

typecheck: setup
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
