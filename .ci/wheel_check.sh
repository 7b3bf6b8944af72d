#!/usr/bin/env bash
# Builds the wheel from a clean clone, installs it in a fresh venv (no source checkout on the path),
# migrates a temporary SQLite database and serves it with gunicorn from an empty folder, then checks a
# template page in Chinese (compiled catalog), a static file and the admin's own static files.
#
#   .ci/wheel_check.sh            # clone of the committed HEAD
#   .ci/wheel_check.sh DIR        # an already prepared source tree (copied, so DIR is left as it is)
# Not part of .ci/run (it needs PyPI for the build and install); run it after packaging changes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-python3.11}"
WORK="$(mktemp -d /tmp/wheelcheck.XXXXXX)"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ $# -ge 1 ]; then
  cp -a "$1" "$WORK/src"
  rm -rf "$WORK/src/.venv" "$WORK/src/build" "$WORK/src"/*.egg-info
else
  git clone -q "$ROOT" "$WORK/src"
fi

echo "== building the wheel"
(cd "$WORK/src" && "$PY" -m pip wheel -q --no-deps -w "$WORK/dist" .)
WHEEL="$(ls "$WORK"/dist/yichuang-*.whl)"
echo "$(basename "$WHEEL"): $("$PY" -m zipfile -l "$WHEEL" | grep -c '^config/templates/') templates," \
  "$("$PY" -m zipfile -l "$WHEEL" | grep -c '^config/static/') static files," \
  "$("$PY" -m zipfile -l "$WHEEL" | grep -c '^config/locale/.*\.mo ') compiled catalogs"

echo "== installing it in a fresh venv"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$WHEEL"

mkdir "$WORK/run"
cd "$WORK/run"
export DJANGO_SETTINGS_MODULE=config.settings.local DEBUG=0 DATABASE_URL="sqlite:///$WORK/run/db.sqlite3" \
  MEDIA_ROOT="$WORK/run/media" STATIC_ROOT="$WORK/run/static"
where="$("$WORK/venv/bin/python" -c 'import config, sys; print(config.__file__)')"
case "$where" in "$WORK/venv/"*) ;; *) echo "config imported from $where, not from the wheel"; exit 1 ;; esac
"$WORK/venv/bin/django-admin" migrate --noinput -v 0
PORT="$("$WORK/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$WORK/venv/bin/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" --workers 1 --log-level warning &
SERVER=$!
for _ in $(seq 1 60); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/login/" && break; sleep 1; done

fail=0
check() {  # check DESCRIPTION URL GREP-PATTERN
  body="$(curl -fsS "http://127.0.0.1:$PORT$2" || true)"
  if grep -q -- "$3" <<<"$body"; then echo "ok   $1"; else echo "FAIL $1 ($2 lacks '$3')"; fail=1; fi
}
check "login page from the packaged templates, in Chinese from the compiled catalog" /login/ "注册机构"
check "public page" /public/ "<h1"
check "project static file" /static/css/app.css "{"
check "project static file (favicon)" /static/img/favicon.svg "<svg"
check "Django admin static file" /static/admin/css/base.css "{"
if curl -fsS "http://127.0.0.1:$PORT/login/" | grep -q "Register an organization"; then
  echo "FAIL login page shows the English msgid"; fail=1
fi
[ "$fail" = 0 ] && echo "wheel check passed" || { echo "wheel check FAILED"; exit 1; }
