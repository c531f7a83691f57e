# Tasuki: `make run` serves the demo race, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

# Debian packages the browser tests need: Chromium, and fonts for Japanese and Chinese names.
SYSTEM_PACKAGES := chromium fonts-noto-cjk fonts-dejavu-core fonts-ipaexfont-gothic fonts-droid-fallback poppler-utils

.PHONY: install messages system-packages run serve test bench loadtest lint format clean

# Development and CI: what the system runs on plus the test and lint tools. A server installs
# requirements.txt alone (docs/deploy.md).
install: $(VENV)/.installed messages

# The translations' .po files are in the repository; the compiled .mo files are not (GNU gettext's
# msgfmt compiles them). A missing msgfmt is said once, and the site then shows English.
messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null; then \
		$(BIN)/python manage.py compilemessages --ignore=$(VENV) >/dev/null && echo "translations compiled"; \
	else \
		echo "msgfmt is missing (apt-get install gettext): translations not compiled, pages show English"; \
	fi

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# The demo race is live: beside runserver, simulate_demo stores its next splits as the clock passes
# them (embedded mode only), and stops with it.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py simulate_demo & feeder=$$!; \
		trap 'kill $$feeder 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST)

# Production mode (docs/deploy.md): web and worker from the Procfile, on PostgreSQL and Redis.
PORT ?= 8000
serve: install
	@test -n "$$DATABASE_URL" || { echo "make serve runs on PostgreSQL and Redis: set DATABASE_URL (postgres://user@host:5432/db) and REDIS_URL (redis://host:6379/0); make run is the embedded mode" >&2; exit 2; }
	@test -n "$$REDIS_URL" || { echo "make serve runs on PostgreSQL and Redis: set REDIS_URL (redis://host:6379/0) as well as DATABASE_URL; make run is the embedded mode" >&2; exit 2; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start --procfile Procfile --port $(PORT)

# Installed only where missing, and only as root (CI and this project's machines); elsewhere
# the browser tests say what to install and skip. apt's output goes to APT_LOG, one line here.
APT_LOG := var/apt.log

system-packages:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" \
			|| missing="$$missing $$package"; \
	done; \
	missing="$${missing# }"; \
	if [ -z "$$missing" ]; then \
		echo "Debian packages: $(SYSTEM_PACKAGES) already installed"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "Debian packages: $$missing missing; not root, so not installed (the browser tests skip)"; \
	else \
		mkdir -p $(dir $(APT_LOG)); \
		if { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; } \
				>$(APT_LOG) 2>&1; then \
			echo "Debian packages: $$missing installed (log: $(APT_LOG))"; \
		else \
			echo "Debian packages: installing $$missing failed; the end of $(APT_LOG):" >&2; \
			tail -n 20 $(APT_LOG) >&2; \
			exit 1; \
		fi; \
	fi

test: install system-packages
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m tests.benchmarks

# Race day on this machine, loopback only: 200 readers and 30 stations posting splits for two
# minutes against gunicorn, PostgreSQL, Redis and a worker, then every split counted
# (tests/loadtest.py; LOADTEST_SECONDS=20 for a short run).
loadtest: install
	$(BIN)/python -m tests.loadtest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .hypothesis
