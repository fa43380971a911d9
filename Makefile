# Two commands for a fresh machine: `make run` serves Lettercast, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/lettercast db upgrade
	$(BIN)/lettercast campaigns load letter_templates/sjr-11
	$(BIN)/lettercast reps sync --if-empty || echo "Officials were not loaded; see the message above. The service starts anyway."
	# Plain HTTP on 127.0.0.1 only: browsers refuse the Secure __Host- session cookie there.
	LETTERCAST_INSECURE_COOKIES=true $(BIN)/lettercast serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache dev.db dev.db-wal dev.db-shm
