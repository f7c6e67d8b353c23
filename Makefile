# Two commands do all the set-up on a fresh machine:  make demo   and   make test
# Each creates .venv and installs the project into it when needed; a second run reuses them.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Root installs Debian packages directly; anyone else goes through sudo.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Set-up is quiet unless it fails: each step's output (pip's, apt's) goes to this log, which
# is shown when the step fails and otherwise holds the latest step's output.
# (pip's --quiet still passes on what the build backend prints, such as setuptools' banner
# about editable installs, so only redirecting the output silences it.)
LOG    := $(VENV)/setup.log
comma  := ,

# quietly(what, command): run command with its output in $(LOG); on failure show the log.
quietly = @echo "$(1) (log: $(LOG))"; \
  { $(2); } >$(LOG) 2>&1 || { status=$$?; cat $(LOG); \
  echo "set-up failed while $(1), exit status $$status; the log above is in $(LOG)"; \
  exit $$status; }

.PHONY: demo test docs bench notebook dot chromium clean

# The installed stamp is remade whenever pyproject.toml changes.
$(VENV)/.installed-dev: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(call quietly,installing autograd-lite and its test tools into $(VENV),\
	  $(PY) -m pip install --upgrade pip && $(PY) -m pip install -e '.[dev]')
	@touch $@

$(VENV)/.installed-examples: $(VENV)/.installed-dev
	$(call quietly,installing the examples' matplotlib,\
	  $(PY) -m pip install -e '.[dev$(comma)examples]')
	@touch $@

# nbclient and an IPython kernel, for the test that runs examples/tutorial.ipynb.
$(VENV)/.installed-notebook: $(VENV)/.installed-examples
	$(call quietly,installing nbclient and ipykernel to run the tutorial notebook,\
	  $(PY) -m pip install -e '.[dev$(comma)examples$(comma)notebook]')
	@touch $@

# MkDocs, its Material theme, mkdocstrings and Sybil: the documentation site and its executed
# blocks (the tests that need them skip without them).
$(VENV)/.installed-docs: $(VENV)/.installed-dev
	$(call quietly,installing MkDocs$(comma) Material$(comma) mkdocstrings and Sybil for the docs,\
	  $(PY) -m pip install -e '.[dev$(comma)docs]')
	@touch $@

# JupyterLab, for `make notebook`.
$(VENV)/.installed-jupyter: $(VENV)/.installed-examples
	$(call quietly,installing JupyterLab to open the tutorial notebook,\
	  $(PY) -m pip install -e '.[dev$(comma)examples$(comma)jupyter]')
	@touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-examples
	$(call quietly,installing micrograd for the benchmark,\
	  $(PY) -m pip install -e '.[dev$(comma)examples$(comma)bench]')
	@$(PY) -m pip install -e '.[dev,examples,bench,torch]' >>$(LOG) 2>&1 \
	  || echo "PyTorch not installed: its rows are left out (see $(LOG))"
	@touch $@

# SymPy, which simplifies the formulas of autograd_lite.symbolic; its tests skip without it.
$(VENV)/.installed-symbolic: $(VENV)/.installed-dev
	$(call quietly,installing SymPy for the symbolic derivatives,\
	  $(PY) -m pip install -e '.[dev$(comma)symbolic]')
	@touch $@

# PyTorch for the cross-checks (tests that use it skip without it); CI installs it.
$(VENV)/.installed-torch: $(VENV)/.installed-examples
	$(call quietly,installing PyTorch for the cross-checks,\
	  $(PY) -m pip install -e '.[dev$(comma)examples$(comma)torch]')
	@touch $@

# Graphviz's `dot` renders the pictures; Debian's package provides it.
dot:
	@command -v dot >/dev/null 2>&1 || { mkdir -p $(VENV); \
	  echo "installing Debian's graphviz package for the dot binary (log: $(LOG))"; \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz; } >$(LOG) 2>&1 \
	  || { cat $(LOG); echo "installing graphviz failed; the log above is in $(LOG)"; exit 1; }; }

# Headless Chromium and its driver, for the tests that click through explain's page (they skip
# without it); Debian's packages, installed only when /usr/bin/chromium is missing.
chromium:
	@{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || { mkdir -p $(VENV); \
	  echo "installing Debian's chromium and chromium-driver for the browser tests (log: $(LOG))"; \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver; } \
	  >$(LOG) 2>&1 \
	  || { cat $(LOG); echo "installing chromium failed; the log above is in $(LOG)"; exit 1; }; }

demo: $(VENV)/.installed-examples dot
	@$(PY) examples/demo.py

# The site, built strictly (a warning or a broken link fails) into site/, which git ignores:
# open site/index.html from disk, no server needed.
docs: $(VENV)/.installed-docs dot
	$(VENV)/bin/mkdocs build --strict

# pytest also builds the site with mkdocs build --strict and opens every page in Chromium
# (tests/docs/test_site.py), and runs every Python block of README.md and docs/.
test: $(VENV)/.installed-notebook $(VENV)/.installed-symbolic $(VENV)/.installed-docs dot chromium
	$(PY) -m pytest -q
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The tutorial in JupyterLab (in the browser it opens; Ctrl-C here stops the server). Jupyter
# refuses to run as root unless told to, as in a container.
notebook: $(VENV)/.installed-jupyter dot
	$(VENV)/bin/jupyter lab examples/tutorial.ipynb $(if $(SUDO),,--allow-root)

bench: $(VENV)/.installed-bench
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) out site .pytest_cache .mypy_cache .ruff_cache
