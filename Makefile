# The two commands of the course: `make lab` (open it) and `make test` (check it).
# Both create .venv when it is missing and install the package with its test tools;
# `make test` also installs Debian's chromium (apt-get) for the real-browser widget test.
SHELL    := /bin/bash
VENV     ?= .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed-stamp
WEB_STAMP := $(VENV)/.web-stamp
APP_PORT ?= 8866
BENCH_STAMP := $(VENV)/.bench-stamp
CHROMIUM ?= /usr/bin/chromium
PYTEST   := CNNVIZ_OFFLINE=1 CNNVIZ_QUICK=1 MPLBACKEND=Agg CNNVIZ_CHROMIUM=$(CHROMIUM) $(PY) -m pytest
# The fake torch-hub cache (tools/fake_hub.py): random weights under the file names torchvision
# expects, so the classic models (VGG16, ResNet-50, GoogLeNet, Inception-v3, ...) load with no
# network. The tests' `fake_hub` fixture reads CNNVIZ_FAKE_TORCH_HOME.
FAKE_TORCH_HOME ?= artifacts/fake_torch_home
export CNNVIZ_FAKE_TORCH_HOME := $(abspath $(FAKE_TORCH_HOME))
# "Online, weights cached, server unreachable": what a process needs to run the classic branches
# on the fake cache. CNNVIZ_FAKE_HUB=1 tells notebooks the weights are random (skip claims that
# need trained weights).
CLASSIC_ENV := TORCH_HOME=$(CNNVIZ_FAKE_TORCH_HOME) CNNVIZ_WEIGHTS_URL=http://127.0.0.1:9/ CNNVIZ_FAKE_HUB=1

.PHONY: install lab test test-unit typecheck test-notebooks test-notebooks-classic test-full test-browser test-colab fuzz \
	notebooks previews chromium fake-hub bench bench-own clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null
	$(PY) -m pip install -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

install: $(STAMP)

# JupyterLab on notebooks/ (as root too: --allow-root; no display: no browser, the URL with
# its token is printed). LAB_ARGS go to `jupyter lab`, e.g. LAB_ARGS="--ip=0.0.0.0 --port=8890".
lab: install
	JUPYTER=$(VENV)/bin/jupyter tools/start_lab.sh $(LAB_ARGS)

# Unit tests, the notebook standard, the real-browser widget test, every notebook's classic branch
# on the fake torch-hub cache (tests/notebooks/test_notebooks_classic.py) and every notebook under nbval,
# offline, in quick mode: one pytest run, one summary line, a "notebook times" table.
test: install chromium fake-hub
	CNNVIZ_BROWSER=1 CNNVIZ_CLASSIC_NOTEBOOKS=1 $(PYTEST) tests notebooks --nbval-lax --nbval-current-env \
	  -p no:cacheprovider

# Without the browser test (it is skipped, saying so).
test-unit: install
	$(PYTEST) tests

# mypy on the public API: tests/typecheck/public_api.py uses every documented function the README's
# way, read against the package's annotations ([tool.mypy] in pyproject.toml). Also a slow test
# of `make test` (tests/project/test_types.py).
typecheck: install
	$(PY) -m mypy

test-notebooks: install
	$(PYTEST) notebooks --nbval-lax --nbval-current-env

# Every notebook in FULL mode (what students see) under nbval, with its time against the
# 3-minute budget. Not in CI (about 20 minutes on 2 CPU cores).
test-full: install
	CNNVIZ_OFFLINE=1 MPLBACKEND=Agg $(PY) -m pytest notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

# The property-based suite with 1,000 generated calls per public function (random, not the
# few fixed ones of `make test`).
# CNNVIZ_FUZZ_EXAMPLES=N changes the count.
fuzz: install
	CNNVIZ_FUZZ=1 $(PYTEST) tests/attribution/test_fuzz_attribution.py tests/evaluate/test_fuzz_evaluate.py \
	  tests/optvis/test_fuzz_layers_optvis.py -p no:cacheprovider

# The fake torch-hub cache in $(FAKE_TORCH_HOME) (about 530 MiB in float16, built once in a few
# seconds, reused afterwards; `make clean` removes it).
fake-hub: install
	$(PY) tools/fake_hub.py --torch-home $(FAKE_TORCH_HOME)

# Every notebook's classic branch under nbval: CNNVIZ_OFFLINE unset, the fake cache as TORCH_HOME.
test-notebooks-classic: install fake-hub
	CNNVIZ_QUICK=1 MPLBACKEND=Agg $(CLASSIC_ENV) $(PY) -m pytest notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

# JupyterLab in headless Chromium: run notebooks 00 and 06, move a widget, see the figure
# change; present 06 in deck mode (jupyterlab-slideshow) with its panel live. Screenshots and
# the JupyterLab log go to artifacts/browser/.
test-browser: install chromium
	CNNVIZ_BROWSER=1 $(PYTEST) tests/browser -p no:cacheprovider

# The panels under Colab's pins (tools/colab-pins.txt: ipywidgets 7.7.1, numpy 2.0, matplotlib 3.10,
# Python 3.11), the package installed non-editable from a git archive of the working tree: builds
# artifacts/colab-venv once (reused while the pins are unchanged), then runs the panel tests in it.
test-colab: install
	CNNVIZ_COLAB_ENV=1 $(PYTEST) tests/widgets/test_colab_env.py -p no:cacheprovider -s

# Debian's chromium for Playwright (never `playwright install`): apt-get when it is missing.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "$(CHROMIUM) is missing and there is no apt-get: install Chromium, then run make with CHROMIUM=/path/to/chromium" >&2; exit 1; fi; \
	SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	echo "installing Debian's chromium for the browser test (apt-get)"; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	test -x "$(CHROMIUM)" || { echo "apt-get did not install $(CHROMIUM)" >&2; exit 1; }

# Rebuild notebooks/*.ipynb from tools/notebook_src/ and store FULL-mode outputs (on a CPU or a
# GPU), printing each notebook's time and size; times land in tools/notebook_times.json and in
# each notebook's title cell. NAMES="01_saliency 06_gradcam" rebuilds only those.
notebooks: install
	$(PY) tools/notebook_builder.py --execute $(NAMES)
	$(PY) tools/previews.py $(NAMES)

# The README's course-map previews: each notebook's stored full-mode figure (its cell tagged
# `preview`, else its first figure), written to docs/previews/.
previews: install
	$(PY) tools/previews.py $(NAMES)

$(WEB_STAMP): $(STAMP)
	$(PY) -m pip install -e ".[test,web]"
	@touch $(WEB_STAMP)

# The web extra (nbconvert, Jupyter Book 1.x, Voila) and the pinned page assets (reveal.js,
# MathJax, require.js, jQuery, the widget renderer), fetched once with `npm pack` into
# build/web-cache/ (git-ignored) and checked against their sha512.
web: $(WEB_STAMP) npm
	$(PY) tools/web/vendor.py >/dev/null

# Debian's npm (the npm registry's client) for the page assets: apt-get when it is missing.
npm:
	@if command -v npm >/dev/null; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "npm is missing: install Node.js and npm" >&2; exit 1; fi; \
	SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	echo "installing Debian's npm for the web build (apt-get)"; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null

# One reveal.js deck per notebook, build/slides/NN_name.slides.html, and the deck index
# build/slides/index.html, from the stored outputs (no execution); works offline, from file://.
# NAMES="06" rebuilds only those decks.
slides: web
	$(PY) tools/web/slides.py $(NAMES)

# The course website in build/site/ (start page build/site/index.html): Jupyter Book 1.x,
# notebooks not executed, every script served from the folder itself.
site: web
	PYTHONPATH=$(CURDIR) CNNVIZ_OFFLINE=1 MPLBACKEND=Agg $(PY) tools/web/website.py

# The app view on http://127.0.0.1:$(APP_PORT)/ (Voila, no code shown, offline); Ctrl-C stops it.
app: web
	$(PY) -m cnnviz_lab.cli app --port $(APP_PORT)

# The decks, the site and the app in headless Chromium, offline (any request leaving the
# machine fails a test). Screenshots and the Voila log go to artifacts/web/.
test-web: web chromium
	CNNVIZ_WEB=1 $(PYTEST) tests/web -p no:cacheprovider

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -e ".[test,bench]"
	@touch $(BENCH_STAMP)

# Against the peers (Captum, pytorch-grad-cam; installed by the bench extra): every
# benchmarks/compare_*.py, collected by benchmarks/run_all.py into benchmarks/RESULTS.md
# (a table per family: times, ratios, peak memory, agreement, where a peer is wrong).
# About 10 minutes on 2 busy CPU cores. Exits non-zero when any comparison fails.
bench: $(BENCH_STAMP)
	CNNVIZ_OFFLINE=1 MPLBACKEND=Agg $(PY) benchmarks/run_all.py

# Our own ratios (batched vs one at a time, against the floor of unavoidable work): every
# benchmarks/bench_*.py, its printed figures collected into benchmarks/OWN_RESULTS.md.
bench-own: $(BENCH_STAMP)
	@out=benchmarks/OWN_RESULTS.md; log=$$(mktemp); status=0; \
	{ echo "# Benchmark results"; echo; \
	  echo "Written by \`make bench-own\` on $$(date -u '+%Y-%m-%d %H:%M UTC'): $$(nproc) CPU cores," \
	       "$$($(PY) -c 'import torch; print(("GPU " + torch.cuda.get_device_name(0)) if torch.cuda.is_available() else "no GPU")')," \
	       "torch $$($(PY) -c 'import torch; print(torch.__version__)'). Figures as measured on that machine," \
	       "whatever else it was running."; } > $$out.tmp; \
	shopt -s nullglob; scripts=(benchmarks/bench_*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo; echo "No benchmarks/bench_*.py yet." >> $$out.tmp; fi; \
	for f in "$${scripts[@]}"; do \
	  echo "== $$f"; start=$$(date +%s); \
	  if CNNVIZ_OFFLINE=1 MPLBACKEND=Agg $(PY) "$$f" > $$log 2>&1; then rc=0; else rc=$$?; status=1; fi; \
	  cat $$log; secs=$$(( $$(date +%s) - start )); \
	  { echo; echo "## $$(basename $$f .py)"; echo; \
	    echo "\`python $$f\`: exit status $$rc, $$secs s."; echo; \
	    echo '```'; cat $$log; echo '```'; } >> $$out.tmp; \
	done; \
	rm -f $$log; mv $$out.tmp $$out; echo "wrote $$out"; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache artifacts
