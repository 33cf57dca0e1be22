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
STUDENT ?=
LMS ?= csv
TEST_WORKERS ?= 2
TB_LOGDIR ?= runs
ROSTER ?=
HUB_PORT ?= 8000
HUB_IP ?= 127.0.0.1
HUB_DIR ?= /srv/feature-map-hub
# make warm's vmtouch; make lab-zh's JupyterLab settings (the Chinese locale)
WARM_PID := $(abspath $(VENV))/.warm.pid
LAB_ZH_SETTINGS := $(abspath $(VENV))/lab-settings-zh

.PHONY: help setup lab lab-zh lab-instructor check release translations autograde test test-fast lint test-browser browser bench clean data tensorboard postgres sandbox

# `make help` prints the "## " comment of every target, in the order of this file.
help:  ## this list
	@awk -F':[^#]*## ' '/^[a-z][a-z -]*:.*## / {split($$1, names, " "); printf "make %-16s %s\n", names[1], $$2}' $(MAKEFILE_LIST)

# uv (pinned in requirements.txt) installs the pinned set: it downloads in parallel and links files from its
# cache (~/.cache/uv), so a rebuild takes seconds where pip took ten minutes. pip stays in .venv for the kit.
setup: $(STAMP)  ## build .venv from requirements.txt (again only when the pins change)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 10), "Python 3.10 or newer is needed, found " + sys.version' 
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $$(grep -E '^uv==' requirements.txt)
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode -r requirements.txt
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	@# jsonschema's optional IRI format check (rfc3987-syntax, which jupyter-events asks for) builds a grammar when
	@# imported: 3.7 s in every process that reads a notebook. Nothing in the course validates IRIs.
	$(BIN)/uv pip uninstall --python $(BIN)/python --quiet rfc3987-syntax lark
	touch $@

lab: setup  ## set up (first time) and open JupyterLab on notebooks/ (learner: Validate button)
	JUPYTER_CONFIG_PATH=$(CURDIR)/grader/jupyter/student $(LAB) --notebook-dir=notebooks

# The 简体中文 edition in JupyterLab's own Chinese (its language pack), with settings of its own (in .venv).
lab-zh: setup  ## JupyterLab in Chinese on notebooks-zh/, the 简体中文 edition (learner: Validate button)
	@mkdir -p "$(LAB_ZH_SETTINGS)/@jupyterlab/translation-extension"
	@echo '{"locale": "zh_CN"}' > "$(LAB_ZH_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings"
	JUPYTER_CONFIG_PATH=$(CURDIR)/grader/jupyter/student JUPYTERLAB_SETTINGS_DIR="$(LAB_ZH_SETTINGS)" $(LAB) --notebook-dir=notebooks-zh

lab-instructor: setup  ## JupyterLab on the course root with nbgrader's formgrader and create-assignment
	JUPYTER_CONFIG_PATH=$(CURDIR)/grader/jupyter/instructor $(LAB) --notebook-dir=$(CURDIR)

check: setup  ## run notebooks/ and show which exercises pass their visible tests
	$(BIN)/python -m grader check

release: setup  ## regenerate notebooks/ and notebooks-zh/ (the 简体中文 edition) from solutions/   [ASSIGNMENT=01_sampling]
	$(BIN)/python -m grader release $(ASSIGNMENT)

translations: setup  ## bring the Chinese catalogs (solutions/<a>/<a>.zh.po, grader/runtime/messages.zh-CN.po) up to the English; lists what is left to translate
	$(BIN)/python -m grader translations $(ASSIGNMENT)

autograde: setup $(if $(UNSANDBOXED),,sandbox)  ## grade submitted/<student>/<assignment>/  [ASSIGNMENT=..] [SUBMISSIONS=folder of zips] [UNSANDBOXED=1]; on a Dask cluster: DASK_SCHEDULER=tcp://host:8786 GRADEBOOK_URL=postgresql://... (docs/scaling.md)
	$(BIN)/python -m grader autograde $(AUTOGRADE_FLAGS) $(ASSIGNMENT)

# A submission that cannot be graded (or a duplicate of a student) out of submitted/, into withdrawn/.
.PHONY: withdraw
withdraw: setup  ## take a submission out of grading, into withdrawn/ (nothing deleted)  STUDENT=.. ASSIGNMENT=..
	@test -n "$(STUDENT)" -a -n "$(ASSIGNMENT)" || { echo "usage: make withdraw STUDENT=<student id> ASSIGNMENT=<assignment>"; exit 2; }
	$(BIN)/python -m grader withdraw "$(STUDENT)" "$(ASSIGNMENT)"

# After tests, points or the grader change: grade again, diff old and new grades, keep manual grades
# (docs/regrades-and-late.md).
.PHONY: regrade
regrade: setup $(if $(UNSANDBOXED),,sandbox)  ## grade every graded submission again; what changed and why, manual grades kept: reports/regrade.md  [ASSIGNMENT=..] [UNSANDBOXED=1]
	$(BIN)/python -m grader regrade $(if $(UNSANDBOXED),--unsandboxed) $(ASSIGNMENT)

sandbox:  ## install bubblewrap, which isolates students' code during grading (needs root)
	@command -v bwrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq bubblewrap; \
	  else echo "bubblewrap is missing: run 'sudo apt-get install bubblewrap' (or make autograde UNSANDBOXED=1 for code you trust)"; exit 1; fi; }

# Some virtual machines page out files that nobody read for a few seconds (this one runs DAMON reclaim):
# there a Python process that imports torch after a minute's pause reads about a gigabyte from disk again
# (31 s instead of 3.6 s). `make warm` keeps the environment's compiled files (.so, .pyc) in memory with
# vmtouch (mlock, about 5 GB) until `make warm-stop`; CI runs it around everything. It changes no result.
.PHONY: warm warm-stop
warm: setup  ## keep .venv's compiled files in memory (vmtouch; for machines that page idle files out) until make warm-stop
	@command -v vmtouch >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq vmtouch >/dev/null; \
	  else echo "vmtouch is missing: run 'sudo apt-get install vmtouch'"; exit 1; fi; }
	@if [ -f $(WARM_PID) ] && kill -0 "$$(cat $(WARM_PID))" 2>/dev/null; then echo "warm: already running (pid $$(cat $(WARM_PID)))"; \
	else set -- $$($(BIN)/python -c 'import sys, sysconfig as s; p = s.get_paths(); \
	  d = {p[k] for k in ("purelib", "platlib", "stdlib", "platstdlib")}; \
	  print(sys.implementation.cache_tag, *sorted(a for a in d if not any(a.startswith(b + "/") for b in d)))'); \
	  tag=$$1; shift; vmtouch -l -d -q -P $(WARM_PID) -I '*.so' -I '*.so.*' -I "*.$$tag.pyc" "$$@" </dev/null >/dev/null 2>&1; \
	  echo "warm: locking the .so and .pyc files of $$* in memory (a minute or two); make warm-stop ends it"; fi

warm-stop:  ## stop make warm
	@# by its command line too: vmtouch writes the pid file only once everything is locked
	@if pkill -f -- "[v]mtouch -l -d -q -P $(WARM_PID)"; then echo "warm: stopped"; fi; rm -f $(WARM_PID)

# The quick tier runs in TEST_WORKERS processes (pytest-xdist, one test file per process at a time); the
# slow tier, which grades classes on every core already, runs in one.
test: test-fast sandbox postgres  ## the course's test suite (sets up first), without the browser tests
	$(BIN)/python -m pytest --ignore=tests/browser -m slow --durations=15

# The quick tier: everything but the tests that grade whole classes (marked slow).
test-fast: setup  ## the tests that grade no whole class (five minutes on two cores)
	$(BIN)/python -m pytest --ignore=tests/browser -m "not slow" -n $(TEST_WORKERS) --dist loadfile --durations=5

# ruff, pinned in requirements.txt; the rules (pyflakes, pycodestyle, import order, bugbear, pyupgrade)
# are in pyproject.toml's [tool.ruff].
lint: setup  ## ruff on grader/ and tests/: pyflakes, pycodestyle, import order, bugbear, pyupgrade (pyproject.toml)
	$(BIN)/ruff check grader tests

# Debian's PostgreSQL server, for the distributed-grading test's gradebook (a shared gradebook for
# graders on several machines in real use; see docs/scaling.md).
postgres:  ## install Debian's PostgreSQL server, for the distributed-grading test (needs root)
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL is missing: run 'sudo apt-get install postgresql'"; exit 1; fi; }

# The browser test fails, never skips, when Chromium or Playwright is missing.
test-browser: setup browser  ## the browser tests in Chromium: the learner's JupyterLab, formgrader, the similarity report, TensorBoard, the book (installs Chromium first)
	COURSE_BROWSER_TEST=required CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/browser -m browser -v -s --durations=0

# Playwright's own browser download needs the internet; Debian's Chromium comes from apt.
browser:  ## install Debian's Chromium when it is missing (CHROMIUM=/usr/bin/chromium) (apt-get, as root or via sudo)
	@if [ -x $(CHROMIUM) ]; then echo "browser: $(CHROMIUM) is installed"; else \
	  if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
	  else echo "browser: $(CHROMIUM) is missing; install Debian's chromium package as root" >&2; exit 1; fi; \
	  $$sudo apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    chromium fonts-dejavu-core fonts-wqy-microhei; fi

# Grades into the file an LMS imports (names from lms_students.csv); EXPORT_FLAGS passes more options,
# e.g. EXPORT_FLAGS="--identifier login --allow-unmapped". See docs/grades-and-feedback.md.
.PHONY: export
export: setup  ## grades for an LMS in reports/: LMS=csv (per exercise, default), canvas or moodle  [ASSIGNMENT=..]; names from lms_students.csv; EXPORT_FLAGS="--identifier login --allow-unmapped" (docs/grades-and-feedback.md)
	$(BIN)/python -m grader export --lms $(LMS) $(EXPORT_FLAGS) $(ASSIGNMENT)

.PHONY: feedback-zips
feedback-zips: setup  ## one zip of feedback pages per student in reports/feedback_zips/, to upload to an LMS
	$(BIN)/python -m grader feedback-zips

# Leads for the instructor, never verdicts: winnowing (copydetect) over each exercise's solution cells,
# starter code removed, names and whitespace normalised (docs/similarity.md).
.PHONY: similarity
similarity: setup  ## pairs of submissions with suspiciously alike exercise cells, side by side: reports/similarity.md  [ASSIGNMENT=..]
	$(BIN)/python -m grader similarity $(ASSIGNMENT)

bench: setup sandbox  ## time every notebook and every exercise's hidden tests, a class, and grading on submit (1 and 10 students)
	$(BIN)/python tests/bench.py
	$(BIN)/python tests/bench_class.py
	$(BIN)/python tests/bench_submit.py

# The learner kit for a class (README: "Hand out the course"): the release notebooks, a learner-only wheel
# (grader/runtime/, grader/public/, grader/data.py), requirements.txt and a README for students, in dist/kit/
# and dist/feature-map-course-kit.zip. No solutions/, no hidden cases, no trusted grading or instructor tools.
.PHONY: kit student-kit
kit student-kit: setup  ## what a class's students get: release notebooks + learner package, no solutions, no hidden cases: dist/kit/ and dist/feature-map-course-kit.zip
	$(BIN)/python -m grader kit

# The course book: every notebook executed (a few minutes), exercise and test cells as released, in
# docs/book/ and its 简体中文 edition in docs/book/zh/ (index.html opens from file://, offline: MathJax and
# fonts are local). Only the cells whose Chinese code differs run again, for the Chinese pages.
.PHONY: book fonts
book: setup fonts  ## the course as a static site in English and 简体中文: every notebook run, exercises without solutions; open docs/book/index.html
	$(BIN)/python -m grader book

# A CJK font for matplotlib's Chinese figure titles in the book (and Chromium's Chinese text): Debian's
# fonts-wqy-microhei, installed when matplotlib finds none (grader/bookkernel.py: cjk_font).
fonts: setup  ## install Debian's CJK font fonts-wqy-microhei when matplotlib has none (apt-get, as root or via sudo)
	@if $(BIN)/python -c 'from grader.bookkernel import cjk_font; raise SystemExit(cjk_font() is None)'; then \
	  echo "fonts: matplotlib has a CJK font"; else \
	  if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
	  else echo "fonts: matplotlib has no CJK font; install Debian's fonts-wqy-microhei as root" >&2; exit 1; fi; \
	  $$sudo apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-wqy-microhei; fi

# The real CIFAR10 into data/ (torchvision, progress bar, checksums). Without it, the offline sample is used.
data: setup  ## download the real CIFAR10 into data/ (the offline sample is used without it)
	$(BIN)/python -m grader.data download

# TensorBoard on runs/, reachable from this machine only. TB_PORT=6007 for another port,
# TB_LOGDIR=folder for other runs (the browser test serves its own).
tensorboard: setup  ## serve runs/ on http://127.0.0.1:6006 [TB_PORT=...] [TB_LOGDIR=another folder of runs]
	@mkdir -p "$(TB_LOGDIR)"
	@echo "TensorBoard reads $(TB_LOGDIR)/: open http://127.0.0.1:$(or $(TB_PORT),6006)/ (Ctrl+C stops it)"
	$(BIN)/tensorboard --logdir "$(TB_LOGDIR)" --host 127.0.0.1 --port $(or $(TB_PORT),6006)

# The gradebook (.nbgrader/: grades, manual grades, the course secret that salts the hidden cases) is never
# deleted by a make target: remove it by hand to start the course's grading over.
clean:  ## delete autograded/, feedback/ and reports/ (made again by make autograde); the gradebook stays
	rm -rf autograded feedback reports

# A class JupyterHub on this machine (docs/class-hub.md): accounts from ROSTER, the learner kit for students,
# nbgrader's exchange, formgrader for instructors. Needs root (accounts, servers run as each user) and npm (the proxy).
.PHONY: hub hub-stop
hub: setup sandbox  ## a class JupyterHub on this machine, as root: ROSTER=roster.csv [HUB_PORT=8000] [HUB_IP=0.0.0.0] [HUB_DIR=...] (docs/class-hub.md)
	@test -n "$(ROSTER)" || { echo "usage: sudo make hub ROSTER=roster.csv  (lines: username,role; role student or instructor)"; exit 2; }
	$(BIN)/python -m grader hub start --roster "$(ROSTER)" --port $(HUB_PORT) --ip $(HUB_IP) --folder "$(HUB_DIR)"

hub-stop:  ## stop the class hub, its proxy and every user's server
	$(BIN)/python -m grader hub stop --folder "$(HUB_DIR)"
