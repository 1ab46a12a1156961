# parkgis: `make run` serves the demo park, `make test` runs the whole suite.
# Both do every set-up step themselves and are fast the second time.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# System packages the test suite drives (Debian names); PostGIS is installed by `parkgis db up`.
TEST_SYSTEM_PACKAGES := gdal-bin chromium fonts-noto-cjk

.PHONY: run test env db demo sysdeps vendor lint notebooks bench clean

run: db vendor
	$(BIN)/parkgis demo load --if-missing
	$(BIN)/parkgis serve

test: db sysdeps vendor
	$(BIN)/pytest

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

db: env
	$(BIN)/parkgis db up
	$(BIN)/parkgis db migrate

demo: db
	$(BIN)/parkgis demo load

# Tools the browser and GDAL tests use; installed when missing and we are root on Debian.
sysdeps:
	@missing=""; \
	command -v ogrinfo >/dev/null || missing="$$missing gdal-bin"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; }; \
	  else \
	    echo "missing system packages:$$missing -- run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

# The map viewer's JavaScript and CSS, vendored from the npm registry (no CDN at run time).
vendor: env
	$(BIN)/python -m api.vendor

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

notebooks: db
	$(BIN)/parkgis demo load --if-missing
	$(BIN)/python -m jupyter lab --notebook-dir=notebooks

bench: db
	@echo "see bench/README.md: each benchmark is a script, e.g. $(BIN)/python bench/import_bench.py"

clean:
	-$(BIN)/parkgis db down
	rm -rf $(VENV) var test-output
