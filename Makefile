# Every workflow of the course. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# nbgrader runs `alembic` by name: the environment's bin must come first on PATH.
export PATH := $(BIN):$(PATH)

ASSIGNMENT ?=
PORT ?= 8888

.PHONY: help setup lab check release autograde test bench clean

help:
	@echo "make lab         set up (first time) and open JupyterLab on notebooks/"
	@echo "make check       run notebooks/ and show which exercises pass their visible tests"
	@echo "make test        the course's test suite (sets up first)"
	@echo "make release     regenerate notebooks/ from solutions/   [ASSIGNMENT=01_sampling]"
	@echo "make autograde   grade submitted/<student>/<assignment>/  [ASSIGNMENT=01_sampling]"
	@echo "make bench       time every notebook and every exercise's hidden tests"
	@echo "make setup       build .venv from requirements.txt (again only when the pins change)"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 10), "Python 3.10 or newer is needed, found " + sys.version' 
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip
	$(BIN)/pip install --progress-bar on -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

lab: setup
	$(BIN)/jupyter lab --port=$(PORT) --notebook-dir=notebooks

check: setup
	$(BIN)/python -m grader check

release: setup
	$(BIN)/python -m grader release $(ASSIGNMENT)

autograde: setup
	$(BIN)/python -m grader autograde $(ASSIGNMENT)

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python tests/bench.py

clean:
	rm -rf autograded feedback grades.csv .nbgrader
