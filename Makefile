# Quick start: `make run` (the main job) and `make test`; each installs into .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: install run test lint bench docs figures clean browser app

$(CHROMIUM):
	# Debian's chromium drives the browser tests (Playwright, never a browser download); CHROMIUM=path picks another.
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

browser: $(CHROMIUM)

CHOLMOD_H := /usr/include/suitesparse/cholmod.h
$(CHOLMOD_H):
	# CHOLMOD (Debian's libsuitesparse-dev): scikit-sparse builds against it and factorises the fields' operators.
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libsuitesparse-dev >/dev/null

$(STAMP): pyproject.toml $(CHOLMOD_H)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check niche_abm analysis tests run.py
	$(VENV)/bin/ruff format --check niche_abm analysis tests run.py

test: lint $(CHROMIUM)
	# Two workers, one test file each at a time (module fixtures built once, a file's tests in order); tests/conftest.py
	# hands out the slowest files first. `pytest tests/x.py` by hand stays serial.
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --no-loadscope-reorder

app: $(STAMP)
	$(PY) run.py app

bench: $(STAMP)
	$(PY) analysis/bench.py

docs: $(STAMP)
	$(PY) run.py params --markdown > docs/parameters.md

figures: run
	mkdir -p docs/figures
	cp results/comparison.png docs/figures/comparison.png

clean:
	rm -rf $(VENV) results .pytest_cache
