# itplus — two set-up commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export ITPLUS_HOME ?= $(CURDIR)/var
export HELPDESK_HOME ?= $(CURDIR)/var/helpdesk

.PHONY: run test bench bench-compare lint install clean

$(VENV)/.installed: pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "itplus necesita Python 3.11 o superior")'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## make run: install, migrate the embedded SQLite store, load demo data, serve the store
## on :8000 and the help desk on :8001 (with its local Webpay emulator on 127.0.0.1:8002)
run: $(VENV)/.installed
	$(BIN)/itplus migrate --noinput
	$(BIN)/itplus demo
	$(BIN)/itplus-helpdesk migrate --noinput
	$(BIN)/itplus-helpdesk demo
	$(BIN)/python tools/run_dev.py

## make test: lint, migrations check, the suite on SQLite and on PostgreSQL
test: $(VENV)/.installed
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports --no-cache
	ITPLUS_HOME=$$(mktemp -d) $(BIN)/itplus makemigrations --check --dry-run
	HELPDESK_HOME=$$(mktemp -d) $(BIN)/itplus-helpdesk makemigrations --check --dry-run
	$(BIN)/python tools/run_tests.py

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

## make bench-compare REV=<commit>: the till's workload of REV and of this tree, same run
bench-compare: $(VENV)/.installed
	$(BIN)/python bench/run.py --compare $(REV)

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) var .pytest_cache
