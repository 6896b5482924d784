# The two commands: `make grade` and `make test`. Each target installs .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)

ASSIGNMENTS := $(notdir $(patsubst %/,%,$(dir $(wildcard solutions/*/*.ipynb))))
ZIPS := $(foreach a,$(ASSIGNMENTS),dist/$(a)/autograder.zip)
FRAMEWORK := $(shell find autograder -name '*.py' -o -name 'run_autograder' -o -name 'setup.sh' -o -name 'requirements.txt')

.PHONY: test test-slow grade assign new bench clean gradescope-check
.SECONDEXPANSION:

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $@

# make test: everything but the tests marked slow or browser (those: make test-slow; CI runs both)
test: $(STAMP)
	$(PY) -m pytest -q -rs -m "not slow and not browser" --durations=15 tests

test-slow: $(STAMP)
	$(PY) -m pytest -q -rs -m "slow or browser" --durations=15 tests

# everything of the master's folder but its generated samples: the notebook, mistakes.py, checks.py, data files,
# grader_data/; the zip only (make grade never rewrites the committed student folder and samples: make assign does)
dist/%/autograder.zip: $$(shell find solutions/$$* -path solutions/$$*/samples -prune -o -type f -print) $(FRAMEWORK) | $(STAMP)
	$(PY) -m autograder.assign.build --zip-only $*

assign: $(STAMP)
	$(PY) -m autograder.assign.build $(ASSIGNMENT)

new: $(STAMP)
	$(PY) -m autograder.assign.new $(ASSIGNMENT)

grade: $(STAMP) $(if $(ASSIGNMENT),dist/$(ASSIGNMENT)/autograder.zip,$(ZIPS))
	$(PY) -m autograder.grade.cli $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) \
		$(if $(SUBMISSIONS),--submissions "$(SUBMISSIONS)") $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(ROSTER),--roster "$(ROSTER)")

bench: $(STAMP) $(ZIPS)
	$(PY) bench/grade_throughput.py $(if $(N),--n $(N)) $(if $(JOBS),--jobs $(JOBS))

# The zip in real images: debootstrapped Debian 11 and 13 (root, network to Debian and PyPI, minutes)
gradescope-check: $(STAMP)
	@rm -f dist/gradescope-check/report.md
	@NNKIT_IMAGE_CHECK=1 $(PY) -m pytest -q -p no:cacheprovider -rxX tests/test_gradescope_image.py; \
		status=$$?; cat dist/gradescope-check/report.md 2>/dev/null; exit $$status

clean:
	rm -rf dist grades
