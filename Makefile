# The two commands a newcomer needs: `make test` and `make run`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test run i18n i18n-extract i18n-update i18n-compile lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

i18n-compile: $(STAMP)
	$(BIN)/pybabel -q compile -d locales -D messages
	$(BIN)/pybabel -q compile -d locales -D commands

test: $(STAMP) i18n-compile
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

run: $(STAMP) i18n-compile
	@$(BIN)/diaspora-bot run

# Catalog workflow: extract the strings from the code, merge them into every
# language's catalog, translate the new entries, then compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F locales/babel.cfg -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 \
		-k npgettext:1c,2,3 --sort-by-file --no-wrap --project=diaspora-bot -o locales/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-wrap \
		--ignore-obsolete --no-fuzzy-matching
	$(BIN)/python locales/catalogs.py

i18n: i18n-update i18n-compile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) .pytest_cache
