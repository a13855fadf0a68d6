# Two commands for a fresh machine:
#   make run    install, then load the shipped sample publication into SQLite and show it
#   make test   install with the test extras, then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE_DB ?= sample.db
DATA := src/precis/data

.PHONY: run test install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

run: install
	rm -f $(SAMPLE_DB) $(SAMPLE_DB)-wal $(SAMPLE_DB)-shm
	$(BIN)/precis --db $(SAMPLE_DB) init --publication $(DATA)/sample.toml
	$(BIN)/precis --db $(SAMPLE_DB) import $(DATA)/sample.csv
	$(BIN)/precis --db $(SAMPLE_DB) check
	$(BIN)/precis --db $(SAMPLE_DB) issues
	$(BIN)/precis --db $(SAMPLE_DB) stats

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(SAMPLE_DB) $(SAMPLE_DB)-wal $(SAMPLE_DB)-shm build dist src/*.egg-info
