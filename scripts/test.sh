#!/usr/bin/env bash
# The project's one test command: installs what the tests need, then runs ruff and pytest.
#
#   bash scripts/test.sh                    # lint + the whole test suite
#   bash scripts/test.sh -k engines -x      # arguments go to pytest
#   bash scripts/test.sh --update-golden    # rewrite golden files
#
# Installs only what is missing, so a second run installs nothing:
#   - Debian packages, with apt-get (as root, or through sudo): mariadb-server when mariadbd is missing,
#     nodejs when node is missing (`node --check` on the MongoDB scripts),
#     chromium when it is missing (the report's HTML test),
#     postgresql-15 when its server binaries are missing, python3-venv when python3 cannot make a venv;
#   - the virtualenv .venv in the repository, with `pip install -e '.[test]'`; pip runs again only when
#     pyproject.toml, the interpreter or the set of schemac packages changed (or an import fails);
#   - dynalite (the DynamoDB emulator, npm) into .cache/dynalite when its bin is missing, with nodejs and
#     npm from apt-get when node >= 20 or npm is missing. moto, the other DynamoDB emulator, is a Python
#     test dependency (pyproject's test extras).
# The database servers and the DynamoDB emulators are started and stopped by the pytest fixtures
# (tests/engines.py, tests/helpers/ddb_servers.py), not here.
#
# Environment: PYTHON (default python3) makes the venv; SCHEMAC_PG_BIN points the fixtures at other
# PostgreSQL binaries (then postgresql-15 is not installed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"
VENV="$REPO/.venv"
PYTHON="${PYTHON:-python3}"
PG_BIN="${SCHEMAC_PG_BIN:-/usr/lib/postgresql/15/bin}"

log() { printf '[test.sh %3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { printf '[test.sh] error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -- "$@"
  else
    die "root is needed to run '$*', and sudo is not installed"
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q)
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    as_root "${apt[@]}" update
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  as_root "${apt[@]}" install -y "$@"
}

# An executable program in PATH or in the sbin/bin directories that a non-root PATH may lack.
have_program() {
  local found
  found="$(type -P "$1" 2>/dev/null)" && [ -x "$found" ] && return 0
  [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

# --- 1. Debian packages ---------------------------------------------------------------------------------
packages=()
if ! have_program mariadbd || ! have_program mariadb-install-db; then
  packages+=(mariadb-server)
fi
# the MongoDB target's setup.js and queries.js are checked with `node --check`
if ! have_program node; then
  packages+=(nodejs)
fi
# the design report's HTML page is checked in headless Chromium
if ! have_program chromium; then
  packages+=(chromium)
fi
if [ -z "${SCHEMAC_PG_BIN:-}" ] \
   && ! { [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ]; }; then
  packages+=(postgresql-15)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  apt_install "${packages[@]}"
fi

# --- 2. The virtualenv ------------------------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON to a Python >= 3.11)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "$PYTHON is $("$PYTHON" -V 2>&1); the project needs Python >= 3.11 (set PYTHON)"

venv_works() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}
if ! venv_works; then
  rm -rf "$VENV"
  log "creating $VENV with $("$PYTHON" -V 2>&1)"
  if ! "$PYTHON" -m venv "$VENV"; then
    # Debian's own python3 has no ensurepip until python3-venv is installed.
    rm -rf "$VENV"
    apt_install python3-venv
    "$PYTHON" -m venv "$VENV"
  fi
fi

# What the editable install depends on: the project metadata, the interpreter, the package layout.
stamp_file="$VENV/.schemac-test-install"
stamp="$(
  {
    cat pyproject.toml
    "$VENV/bin/python" -VV
    find schemac -name __init__.py 2>/dev/null | LC_ALL=C sort
  } | sha256sum | cut -d' ' -f1
)"
if [ "$(cat "$stamp_file" 2>/dev/null || true)" != "$stamp" ] \
   || [ ! -x "$VENV/bin/ruff" ] \
   || [ ! -x "$VENV/bin/lint-imports" ] \
   || ! "$VENV/bin/python" -c 'import pytest, psycopg, pymysql, sqlglot, boto3, moto.server, flask_cors, yaml' 2>/dev/null; then
  log "pip install -e '.[test]'"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[test]'
  printf '%s\n' "$stamp" >"$stamp_file"
fi

# --- 3. dynalite, the DynamoDB emulator that validates requests as AWS does (tests/helpers/ddb_servers.py) --
DYNALITE_VERSION=4.0.0
DYNALITE_HOME="$REPO/.cache/dynalite"
node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    && node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null
}
dynalite_ok() {
  [ -x "$DYNALITE_HOME/node_modules/.bin/dynalite" ] \
    && [ "$(node -p 'require(process.argv[1]).version' "$DYNALITE_HOME/node_modules/dynalite/package.json" \
           2>/dev/null)" = "$DYNALITE_VERSION" ]
}
if ! node_ok; then
  apt_install nodejs npm
  node_ok || die "dynalite needs node >= 20 and npm; apt-get gave node $(node --version 2>/dev/null || echo none)"
fi
if ! dynalite_ok; then
  log "npm install dynalite@$DYNALITE_VERSION into $DYNALITE_HOME"
  mkdir -p "$DYNALITE_HOME"
  npm install --prefix "$DYNALITE_HOME" --no-audit --no-fund --no-save --loglevel=error \
    "dynalite@$DYNALITE_VERSION" >&2
  dynalite_ok || die "dynalite $DYNALITE_VERSION is not in $DYNALITE_HOME after npm install"
fi

# --- 4. Lint, the import contracts, then the tests ---------------------------------------------------------
log "ruff check ."
"$VENV/bin/ruff" check .

log "lint-imports"  # the layer contracts in pyproject.toml: compiler < backends < build/report < cli
"$VENV/bin/lint-imports" --no-cache

log "pytest $*"
exec "$VENV/bin/python" -m pytest "$@"
