# Two commands on a fresh machine with only python3:
#   make demo   # creates .venv, installs the advisor with its training extra, prints a
#               # recommendation and verifies one by training it on a bundled sample
#   make test   # installs the test and training extras, runs the whole test suite
# Another interpreter gets its own environment: make test PYTHON=python3.13 -> .venv-python3.13
# (under pyenv: PYENV_VERSION=3.13.0 make test PYTHON=python3.13).
PYTHON ?= python3
VENV   ?= $(if $(filter python3,$(PYTHON)),.venv,.venv-$(notdir $(PYTHON)))
BIN    := $(VENV)/bin
# durable-rules 2.0.28 does not build on Python 3.13 as released: engine_install builds it with
# the upstream one-line fix there, and does nothing where it already imports (README, Python versions)
ENGINE  = $(BIN)/python -m advisor.engine_install
CORE   := $(VENV)/.core-installed
TRAIN  := $(VENV)/.train-installed
FULL   := $(VENV)/.full-installed

.PHONY: demo test test-full bench quality docs lint-rules clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(CORE): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	$(ENGINE)
	touch $@

$(TRAIN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[train]"
	$(ENGINE)
	touch $@ $(CORE)

$(FULL): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev,train,bench,distributed]"
	$(ENGINE)
	touch $@ $(TRAIN) $(CORE)

demo: $(TRAIN)
	$(BIN)/advisor recommend --problem-type multiclass --data-structure image \
		--n-samples 60000 --input-shape 28,28,1 --n-classes 10
	$(BIN)/advisor verify --sample wine --quiet --report demo-report

# The default run is the CI run: slow tests run in their small version (ADVISOR_TEST_SCALE=small).
test: $(FULL)
	$(BIN)/advisor --version
	$(BIN)/python -m pytest -q
	$(BIN)/python benchmarks/bench_recommend.py --quick
	$(BIN)/python benchmarks/bench_audit.py --quick
	$(BIN)/python benchmarks/bench_scripts.py --quick
	$(BIN)/python benchmarks/bench_profile.py --quick
	$(BIN)/python benchmarks/bench_verify.py --quick
	$(BIN)/python benchmarks/bench_quality.py --quick
	$(BIN)/python benchmarks/bench_search.py --quick

test-full: $(FULL)
	ADVISOR_TEST_SCALE=full $(BIN)/python -m pytest -q

bench: $(FULL)
	$(BIN)/python benchmarks/bench_recommend.py
	$(BIN)/python benchmarks/bench_audit.py
	$(BIN)/python benchmarks/bench_scripts.py
	$(BIN)/python benchmarks/bench_profile.py
	$(BIN)/python benchmarks/bench_verify.py

# the real-data quality benchmark: 23 data sets, about two hours on 2 cores -> docs/quality.md
quality: $(FULL)
	$(BIN)/python benchmarks/bench_quality.py

docs: $(CORE)
	$(BIN)/python -m advisor.docs > docs/rules.md

lint-rules: $(CORE)
	$(BIN)/advisor rules lint

clean:
	rm -rf .venv .venv-* .pytest_cache .hypothesis build dist *.egg-info demo-report
