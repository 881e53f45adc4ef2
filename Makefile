# kuaifan — the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Re-install only when the dependency list changes (keeps `make install` fast when done).
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The compiled hot path of kuaifan.text: rebuilt in place when a C source changes.
HOT_SRC := $(wildcard src/kuaifan/text/_hot/*.c src/kuaifan/text/_hot/*.h) hatch_build.py
HOT_STAMP := $(VENV)/.hotpath-built

.PHONY: install demo test lint typecheck pytest bench clean

install: $(STAMP) $(HOT_STAMP)

$(HOT_STAMP): $(STAMP) $(HOT_SRC)
	$(PY) hatch_build.py
	@touch $@

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[text,plan,api,forecast,platforms,postgres,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	$(VENV)/bin/kuaifan demo

lint: install
	$(VENV)/bin/ruff check --no-cache src tests benchmarks scripts hatch_build.py
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy src

pytest: install
	bash scripts/setup-browser.sh
	bash scripts/setup-postgres.sh
	$(VENV)/bin/pytest -n 2 -q

test: install lint typecheck pytest

bench: install
	@set -e; for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f; done

clean:
	rm -rf $(VENV) .kuaifan .pytest_cache .mypy_cache .ruff_cache src/kuaifan/text/_hotpath.*.so
