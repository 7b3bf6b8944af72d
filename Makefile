# 益创 Yichuang. `make demo` sets everything up and serves the demo; `make test` runs the suite.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils chromium gettext gnupg
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install system-deps venv messages fonts makemessages clean test-fast lint

system-deps: var/.system-deps
var/.system-deps:
	@mkdir -p var
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

venv: $(BIN)/.installed
$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade pip
	@$(BIN)/pip install -q -e '.[test,dev]'
	@touch $@

install: system-deps venv messages fonts

# The GB2312 cuts of the Noto CJK faces PDFs are printed with (documents/print_fonts.py; about a minute
# once, then nothing unless fonts-noto-cjk changed). Documents fall back to the full faces without them.
fonts: system-deps venv
	@$(BIN)/python manage.py build_print_fonts --if-missing

messages:
	@$(BIN)/python manage.py compilemessages -v 0 --ignore '.venv/*' --ignore 'build/*'

# Refresh the catalog from the source after changing user-facing strings, then translate.
makemessages:
	@$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'build/*'

demo: install
	@$(BIN)/python manage.py migrate --noinput -v 0
	@$(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite in two pytest runs; `make test` fails when either fails (both always run).
# 1. everything else, in parallel (pytest-xdist, one process per core; pytest-django gives each worker its
#    own test database, config/settings/test.py its own MEDIA_ROOT);
# 2. one process: browser tests (each Chromium plus live server wants a core to itself on a loaded
#    machine), `redis` tests (real Celery workers on one shared broker queue) and `postgres` row-lock
#    races (timing-sensitive).
# A run that selects no test (exit 5, e.g. PYTEST_ARGS=tests/unit leaves the serial run empty) is not a
# failure unless both runs are empty. No --reuse-db: CI's PostgreSQL pass must build the test database
# from the migrations of the commit under test.
# loadgroup hands out single tests (files are uneven: loadfile was slower than no xdist on 2 cores) and
# lets a test that must share a worker with another say so with @pytest.mark.xdist_group.
XDIST ?= -n auto --dist loadgroup
SERIAL_MARKERS := browser or redis or postgres
test: install
	@set +e; \
	$(BIN)/python -m pytest $(XDIST) -m "not ($(SERIAL_MARKERS))" $(PYTEST_ARGS); parallel=$$?; \
	$(BIN)/python -m pytest -m "$(SERIAL_MARKERS)" $(PYTEST_ARGS); serial=$$?; \
	[ $$parallel = 0 ] && [ $$serial = 0 ] || echo "make test: parallel run exit $$parallel, serial run exit $$serial"; \
	if [ $$parallel = 5 ] && [ $$serial = 5 ]; then exit 5; fi; \
	for rc in $$parallel $$serial; do case $$rc in 0|5) ;; *) exit $$rc ;; esac; done

test-fast: venv
	@$(BIN)/python -m pytest -m "not browser" -x -q $(PYTEST_ARGS)

# Linters: ruff on everything, mypy on app code against the committed baseline (.ci/mypy_baseline.py).
lint: venv
	@$(BIN)/ruff check .
	@$(BIN)/python .ci/mypy_baseline.py

clean:
	rm -rf var/test-media var/mypy-cache db.sqlite3 build dist

# Backup and restore of the configured database (DATABASE_URL): pg_dump/pg_restore on PostgreSQL, a
# gzip JSON-lines fixture on SQLite. `make backup [FILE=…]`, `make restore FILE=var/backups/….dump`.
.PHONY: backup restore
backup: venv
	@$(BIN)/python manage.py backup $(if $(FILE),--output $(FILE),)

restore: venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=<backup file>"; exit 1; }
	@$(BIN)/python manage.py restore $(FILE)
