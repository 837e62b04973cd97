# The two commands of the README's Quickstart. Both create and use their own virtual environment.
#   make serve   build and serve the demo hub on http://127.0.0.1:8000/ (--dirty: an edit
#                rebuilds only the pages it changes, see docs/search-and-scale.md)
#   make test    run the whole test suite (installs Debian's chromium for the browser tests)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test test-fast browser benchmark catalogs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

serve: $(VENV)/.installed
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

build: $(VENV)/.installed
	$(BIN)/mkdocs build --strict

# Debian's Chromium drives the browser tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	  else \
	    echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; }

# --dist worksteal: a worker that runs out of tests takes queued ones from the others, so that a
# long test queued last does not leave one core idle at the end.
test: $(VENV)/.installed browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist worksteal

# About a minute: the suite without the browser tests and the heavy suites (tests/conftest.py,
# HEAVY); `make test` and CI run those too.
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -n auto --dist worksteal -m "not browser and not heavy"

benchmark: $(VENV)/.installed browser
	KEHILA_SLOW=1 $(BIN)/python -m pytest -m slow -s tests/benchmarks

# Kehila's words: extract the messages from the code and templates, merge them into every
# language's catalog (plugins/kehila/locale/<lang>/LC_MESSAGES/messages.po), compile the .mo files
# that ship with the package. Translate the new or changed messages, then run it again.
LOCALE := plugins/kehila/locale
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k NP_:1,2 --no-location --sort-output -w 100 \
	  --project Kehila --copyright-holder "Kehila contributors" -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-fuzzy-matching -w 100 \
	  --ignore-obsolete
	$(BIN)/pybabel compile --statistics -d $(LOCALE)

clean:
	rm -rf site .pytest_cache
