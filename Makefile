# Two commands do all the set-up on a fresh machine:  make demo   and   make test
# Each creates .venv and installs the project into it when needed; a second run reuses them.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Root installs Debian packages directly; anyone else goes through sudo.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench dot clean

# The installed stamp is remade whenever pyproject.toml changes.
$(VENV)/.installed-dev: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(VENV)/.installed-examples: $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e '.[dev,examples]'
	@touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-examples
	$(PY) -m pip install --quiet -e '.[dev,examples,bench]'
	$(PY) -m pip install --quiet 'torch==2.13.0' || echo "PyTorch not installed: its rows are left out"
	@touch $@

# Graphviz's `dot` renders the pictures; Debian's package provides it.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "installing Debian's graphviz package for the dot binary"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz >/dev/null; }

demo: $(VENV)/.installed-examples dot
	$(PY) examples/demo.py

test: $(VENV)/.installed-examples dot
	$(PY) -m pytest -q
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed-bench
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
