# vmpl-sgx developer entry points. Every target creates or reuses .venv, so a
# fresh clone needs nothing else:
#   make demo     the main job: build, measure, sign, load and run enclaves
#   make test     everything: generator gates, the Python matrix, the kernel
#                 builds, the real-kernel VM tier and the debug-kernel tier
#   make regen    regenerate every file derived from abi/vmpl_sgx.yaml
#   make vmtest   only the VM tier (Debian 6.1 and 6.12 under QEMU)
#   make vmtest-debug  the VM suite in a KASAN/lockdep/kmemleak build of Debian's
#                 6.12 source, plus allocation-failure injection (tests/vm/README.md)
#   make bench    the benchmarks (see docs/performance.md)

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Interpreters pyenv may carry, put on tox's PATH so it finds python3.9 .. python3.13.
PYENV_BINS := $(foreach v,9 10 11 12 13,$(wildcard $(HOME)/.pyenv/versions/3.$(v).*/bin))
empty :=
space := $(empty) $(empty)
TOX_PATH := $(subst $(space),:,$(strip $(PYENV_BINS) $(PATH)))

.PHONY: all demo test regen check tox kernel-build debug-kernel vmtest vmtest-debug bench clean

# Per-guest limits in seconds. `make test` raises the first: there three guests share the CPUs.
VMTEST_TIMEOUT ?= 2400
DEBUG_TIMEOUT ?= 3600
# The debug tier splits its suite between two guests booted at once, one TCG thread each
# (multi: a thread per vCPU, for one guest alone on the host).
DEBUG_GUESTS ?= 2
DEBUG_TCG ?= single
TOX_JOBS ?= 2
# In CI a missing interpreter fails the matrix instead of being skipped (tox.ini skips it).
TOX_CI_FLAGS := $(if $(filter true,$(CI)),--skip-missing-interpreters false)

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/vmpl-sgx demo

regen: $(STAMP)
	$(PY) -m codegen

check: $(STAMP)
	$(PY) -m codegen --check
	$(VENV)/bin/ruff check sdk codegen tests benchmarks
	$(VENV)/bin/mypy --strict sdk codegen tests benchmarks

tox: $(STAMP)
	PATH="$(TOX_PATH)" $(VENV)/bin/tox run-parallel --parallel $(TOX_JOBS) $(TOX_CI_FLAGS) \
		-e py39,py310,py311,py312,py313,type,lint,codegen-check

kernel-build: $(STAMP)
	$(PY) -m tests.vm.build_check

debug-kernel: $(STAMP)
	$(PY) -m tests.vm.debug_run --prepare-only

vmtest: $(STAMP)
	$(PY) -m tests.vm.run --kernel all --timeout $(VMTEST_TIMEOUT)

vmtest-debug: $(STAMP)
	$(PY) -m tests.vm.debug_run --timeout $(DEBUG_TIMEOUT) --guests $(DEBUG_GUESTS) \
		--tcg-thread $(DEBUG_TCG)

# Independent parts overlap on a 2-CPU machine: the debug kernel builds (niced; cold once
# per machine, then found in the cache) while tox runs two environments at a time, then the
# two debug guests boot beside the two production guests, each guest on one TCG thread.
test: check kernel-build
	$(MAKE) --no-print-directory -j2 tox debug-kernel
	$(MAKE) --no-print-directory -j2 vmtest vmtest-debug VMTEST_TIMEOUT=3600

bench: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .tox .mypy_cache .ruff_cache .pytest_cache
	$(MAKE) -C kernel_module clean || true
