# itplus — two set-up commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export ITPLUS_HOME ?= $(CURDIR)/var

.PHONY: run test bench lint install clean

$(VENV)/.installed: pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "itplus necesita Python 3.11 o superior")'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## make run: install, migrate the embedded SQLite store, load demo data, serve on :8000
run: $(VENV)/.installed
	$(BIN)/itplus migrate --noinput
	$(BIN)/itplus demo
	$(BIN)/itplus serve --host 0.0.0.0 --port 8000

## make test: lint, migrations check, the suite on SQLite and on PostgreSQL
test: $(VENV)/.installed
	$(BIN)/ruff check src tests bench
	ITPLUS_HOME=$$(mktemp -d) $(BIN)/itplus makemigrations --check --dry-run
	$(BIN)/python tools/run_tests.py

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache
