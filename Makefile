# Two commands for a fresh machine:
#   make run    install, then load the shipped sample publication into SQLite, check it, show its
#               issues and statistics, and render one issue as plain text
#   make test   install with the test extras, then run the whole test suite
# Both install exactly the versions in requirements/requirements-*.txt (hashed); `make lock` refreshes those.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE_DB ?= sample.db
DATA := src/precis/data
REQ := requirements
PIP := $(BIN)/python -m pip install --quiet

.PHONY: run test lint lock install install-test check-installs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The locked packages, then precis itself from this tree without its dependencies (they are the
# lock's) and without build isolation (its build dependency is locked too).
install: $(BIN)/python
	$(PIP) -r $(REQ)/requirements-build.txt -r $(REQ)/requirements-base.txt
	$(PIP) --no-deps --no-build-isolation -e .

# Every extra and the checkers; the embed extra's torch is the CPU build from /opt/wheels, so the
# sentence-embedding test runs instead of skipping.
install-test: $(BIN)/python
	$(PIP) -r $(REQ)/requirements-build.txt -r $(REQ)/requirements-test.txt
	$(PIP) --no-deps --no-build-isolation -e .

run: install
	rm -f $(SAMPLE_DB) $(SAMPLE_DB)-wal $(SAMPLE_DB)-shm
	$(BIN)/precis --db $(SAMPLE_DB) init --publication $(DATA)/sample.toml
	$(BIN)/precis --db $(SAMPLE_DB) import $(DATA)/sample.csv
	$(BIN)/precis --db $(SAMPLE_DB) check
	$(BIN)/precis --db $(SAMPLE_DB) issues
	$(BIN)/precis --db $(SAMPLE_DB) stats
	$(BIN)/precis --db $(SAMPLE_DB) render "SN #2" --format text

test: install-test
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25

# ruff, mypy and deptry on src/ (configured in pyproject.toml); all three run, any failure fails.
lint: install-test
	@status=0; \
	$(BIN)/ruff check src || status=1; \
	$(BIN)/mypy src || status=1; \
	$(BIN)/deptry src || status=1; \
	exit $$status

# Each install set (base, every extra alone) in a fresh virtualenv, with a real command of its own.
check-installs:
	bash .ci/check-installs

# The lock: one hashed requirements file per install set, for CPython 3.11 on x86-64 Linux,
# resolved by uv from pyproject.toml. The test set (every extra and the checkers) is resolved first
# and constrains the others, so a package has the same version in every set. torch is the CPU build
# from /opt/wheels (requirements/requirements-torch-cpu.txt). Existing pins are kept where
# pyproject.toml still allows them; `make lock UPGRADE=1` moves every package to its newest allowed version.
UV_VERSION := 0.13.9
# uv lives in a venv of its own inside .venv (ignored by git, removed by make clean).
LOCK_VENV := $(VENV)/lock-tool
UV := $(LOCK_VENV)/bin/uv
COMPILE = $(UV) pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	--generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
TORCH_CPU := -c $(REQ)/requirements-torch-cpu.txt --find-links /opt/wheels --emit-find-links

$(UV):
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)

lock: $(UV)
	$(COMPILE) pyproject.toml --extra test --extra embed $(TORCH_CPU) -o $(REQ)/requirements-test.txt
	$(COMPILE) pyproject.toml -c $(REQ)/requirements-test.txt -o $(REQ)/requirements-base.txt
	for extra in site podcast ingest redis; do \
	  $(COMPILE) pyproject.toml --extra $$extra -c $(REQ)/requirements-test.txt -o $(REQ)/requirements-$$extra.txt || exit 1; \
	done
	$(COMPILE) pyproject.toml --extra embed -c $(REQ)/requirements-test.txt $(TORCH_CPU) -o $(REQ)/requirements-embed.txt
	$(COMPILE) $(REQ)/build.in -o $(REQ)/requirements-build.txt
	@# Each set resolved from pyproject.toml names the pyproject.toml it was resolved from, so that
	@# a change to it without a new lock is seen (tests/core/test_lock.py).
	digest=$$(sha256sum pyproject.toml | cut -d' ' -f1); \
	for set in test base site podcast ingest redis embed; do \
	  sed -i "3i # resolved from pyproject.toml sha256:$$digest" $(REQ)/requirements-$$set.txt || exit 1; \
	done

clean:
	rm -rf $(VENV) $(SAMPLE_DB) $(SAMPLE_DB)-wal $(SAMPLE_DB)-shm build dist src/*.egg-info
