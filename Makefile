# Tasuki: `make run` serves the demo race, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

# Debian packages the browser tests need: Chromium, and fonts for Japanese and Chinese names.
SYSTEM_PACKAGES := chromium fonts-noto-cjk fonts-dejavu-core fonts-ipaexfont-gothic fonts-droid-fallback poppler-utils

.PHONY: install system-packages run test bench lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST)

# Installed only where missing, and only as root (CI and this project's machines); elsewhere
# the browser tests say what to install and skip.
system-packages:
	@if [ "$$(id -u)" = 0 ] && ! dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	fi

test: install system-packages
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m tests.benchmarks

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .hypothesis
