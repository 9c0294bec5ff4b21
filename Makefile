# Set-up is idempotent: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.taut-installed
NODE_STAMP := node_modules/.taut-installed
STUBS := .stubs/esp32

.PHONY: install demo test bench clean micropython

install: $(PY_STAMP) $(NODE_STAMP) $(STUBS)/.taut-installed

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# MicroPython ESP32 stubs kept apart from the venv so pyright sees only MicroPython's world.
$(STUBS)/.taut-installed: pyproject.toml $(PY_STAMP)
	$(PY) -m pip install -q --disable-pip-version-check --target $(STUBS) --upgrade micropython-esp32-stubs==1.29.0.post1
	touch $@

demo: install
	$(VENV)/bin/taut demo

# The HTML report's test renders it in a real browser: Debian's chromium. Installed when missing and
# we are root (CI); apt-get update only if the first try finds no package.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq chromium >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }; \
	else echo "note: the report test needs Debian's chromium (apt-get install chromium)"; fi

# The real MicroPython (unix port, NimBLE) for tests/mpstack: built once into .cache/ (~20 s);
# fails loudly when neither ../shared/vendor's archive nor the network has the pinned source.
micropython: install
	$(PY) -m taut.mpstack.build

test: install micropython $(CHROMIUM)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: install micropython
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules .stubs .cache
