# The two commands of the course: `make lab` (open it) and `make test` (check it).
# Both create .venv when it is missing and install the package with its test tools.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST := CNNVIZ_OFFLINE=1 CNNVIZ_QUICK=1 MPLBACKEND=Agg $(PY) -m pytest

.PHONY: install lab test test-unit test-notebooks notebooks bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null
	$(PY) -m pip install -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

install: $(STAMP)

lab: install
	$(VENV)/bin/jupyter lab notebooks/

# Unit tests and every notebook under nbval, offline, in quick mode.
test: install
	$(PYTEST) tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

test-unit: install
	$(PYTEST) tests

test-notebooks: install
	$(PYTEST) notebooks --nbval-lax --nbval-current-env

# Rebuild notebooks/*.ipynb from notebooks/src/ and store quick-mode outputs.
notebooks: install
	$(PY) tools/notebook_builder.py --execute

clean:
	rm -rf $(VENV) .pytest_cache artifacts
