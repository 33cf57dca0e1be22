# Every workflow of the course. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# nbgrader runs `alembic` by name: the environment's bin must come first on PATH.
export PATH := $(BIN):$(PATH)

ASSIGNMENT ?=
SUBMISSIONS ?=
UNSANDBOXED ?=
PORT ?= 8888
AUTOGRADE_FLAGS := $(if $(SUBMISSIONS),--submissions "$(SUBMISSIONS)") $(if $(UNSANDBOXED),--unsandboxed)
# JupyterLab's modes are config folders put first on JUPYTER_CONFIG_PATH for one launch (nothing
# global changes): grader/jupyter/student turns nbgrader's instructor tools off and keeps Validate,
# grader/jupyter/instructor turns them all on with the course's nbgrader config.
LAB = $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root)
CHROMIUM ?= /usr/bin/chromium

.PHONY: help setup lab lab-instructor check release autograde test test-fast test-browser browser bench clean data tensorboard postgres sandbox

help:
	@echo "make lab         set up (first time) and open JupyterLab on notebooks/ (learner: Validate button)"
	@echo "make lab-instructor  JupyterLab on the course root with nbgrader's formgrader and create-assignment"
	@echo "make check       run notebooks/ and show which exercises pass their visible tests"
	@echo "make test        the course's test suite (sets up first), without the browser test"
	@echo "make test-fast   the tests that grade no whole class (about a minute)"
	@echo "make test-browser  the learner's JupyterLab driven in Chromium (installs Chromium first)"
	@echo "make browser     install Debian's Chromium when $(CHROMIUM) is missing (apt-get, as root or via sudo)"
	@echo "make release     regenerate notebooks/ from solutions/   [ASSIGNMENT=01_sampling]"
	@echo "make autograde   grade submitted/<student>/<assignment>/  [ASSIGNMENT=..] [SUBMISSIONS=folder of zips] [UNSANDBOXED=1]"
	@echo "                 on a Dask cluster: DASK_SCHEDULER=tcp://host:8786 GRADEBOOK_URL=postgresql://...  (docs/scaling.md)"
	@echo "make bench       time every notebook and every exercise's hidden tests"
	@echo "make data        download the real CIFAR10 into data/ (the offline sample is used without it)"
	@echo "make tensorboard serve runs/ on http://127.0.0.1:6006 [TB_PORT=...]"
	@echo "make setup       build .venv from requirements.txt (again only when the pins change)"
	@echo "make sandbox     install bubblewrap, which isolates students' code during grading (needs root)"

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
	JUPYTER_CONFIG_PATH=$(CURDIR)/grader/jupyter/student $(LAB) --notebook-dir=notebooks

lab-instructor: setup
	JUPYTER_CONFIG_PATH=$(CURDIR)/grader/jupyter/instructor $(LAB) --notebook-dir=$(CURDIR)

check: setup
	$(BIN)/python -m grader check

release: setup
	$(BIN)/python -m grader release $(ASSIGNMENT)

autograde: setup $(if $(UNSANDBOXED),,sandbox)
	$(BIN)/python -m grader autograde $(AUTOGRADE_FLAGS) $(ASSIGNMENT)

sandbox:
	@command -v bwrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq bubblewrap; \
	  else echo "bubblewrap is missing: run 'sudo apt-get install bubblewrap' (or make autograde UNSANDBOXED=1 for code you trust)"; exit 1; fi; }

test: setup sandbox postgres
	$(BIN)/python -m pytest --ignore-glob="tests/test_browser*.py"

# The quick tier: everything but the tests that grade whole classes (marked slow).
test-fast: setup
	$(BIN)/python -m pytest --ignore-glob="tests/test_browser*.py" -m "not slow"

# Debian's PostgreSQL server, for the distributed-grading test's gradebook (a shared gradebook for
# graders on several machines in real use; see docs/scaling.md).
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL is missing: run 'sudo apt-get install postgresql'"; exit 1; fi; }

# The browser test fails, never skips, when Chromium or Playwright is missing.
test-browser: setup browser
	COURSE_BROWSER_TEST=required CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/test_browser*.py -v -s

# Playwright's own browser download needs the internet; Debian's Chromium comes from apt.
browser:
	@if [ -x $(CHROMIUM) ]; then echo "browser: $(CHROMIUM) is installed"; else \
	  if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
	  else echo "browser: $(CHROMIUM) is missing; install Debian's chromium package as root" >&2; exit 1; fi; \
	  $$sudo apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    chromium fonts-dejavu-core fonts-wqy-microhei; fi

bench: setup sandbox
	$(BIN)/python tests/bench.py
	$(BIN)/python tests/bench_class.py

# The real CIFAR10 into data/ (torchvision, progress bar, checksums). Without it, the offline sample is used.
data: setup
	$(BIN)/python -m grader.data download

# TensorBoard on runs/, reachable from this machine only. TB_PORT=6007 for another port.
tensorboard: setup
	@mkdir -p runs
	@echo "TensorBoard reads runs/: open http://127.0.0.1:$(or $(TB_PORT),6006)/ (Ctrl+C stops it)"
	$(BIN)/tensorboard --logdir runs --host 127.0.0.1 --port $(or $(TB_PORT),6006)

clean:
	rm -rf autograded feedback reports .nbgrader
