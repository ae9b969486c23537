# The two commands of the README: `make demo` and `make test`. Both set up .venv first with a
# Python >= 3.12 found by scripts/find-python.
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-calibrate screenshots setup
setup: $(STAMP)

$(STAMP): pyproject.toml
	@PY=$$(sh scripts/find-python) && echo "using $$PY" && $$PY -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@echo "compiling the model (once; cached until its source changes)"
	$(VENV)/bin/python -c "from hedgesim.model.model import warm_up; print('cached in', warm_up())"
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/hedgesim demo

test: $(STAMP)
	sh scripts/ensure-chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench_step.py
	$(VENV)/bin/python benchmarks/bench_sweep.py
	$(VENV)/bin/python benchmarks/bench_validate.py
	$(VENV)/bin/python benchmarks/bench_memory.py

bench-calibrate: $(STAMP)
	$(VENV)/bin/python benchmarks/bench_calibrate.py

# The page's pictures in docs/viz.md, taken by the browser tests.
screenshots: $(STAMP)
	sh scripts/ensure-chromium
	HEDGESIM_SCREENSHOTS=docs/viz $(VENV)/bin/python -m pytest -q -m browser tests/test_browser.py
