# Two commands for a fresh machine:
#   make run    install, then load the shipped sample publication into SQLite, check it, show its
#               issues and statistics, and render one issue as plain text
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

# The embed extra pins torch==2.13.0, which this machine kind carries as a local CPU wheel
# (/opt/wheels); with it the sentence-embedding test runs instead of skipping.
install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,embed]'

run: install
	rm -f $(SAMPLE_DB) $(SAMPLE_DB)-wal $(SAMPLE_DB)-shm
	$(BIN)/precis --db $(SAMPLE_DB) init --publication $(DATA)/sample.toml
	$(BIN)/precis --db $(SAMPLE_DB) import $(DATA)/sample.csv
	$(BIN)/precis --db $(SAMPLE_DB) check
	$(BIN)/precis --db $(SAMPLE_DB) issues
	$(BIN)/precis --db $(SAMPLE_DB) stats
	$(BIN)/precis --db $(SAMPLE_DB) render "SN #2" --format text

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(SAMPLE_DB) $(SAMPLE_DB)-wal $(SAMPLE_DB)-shm build dist src/*.egg-info
