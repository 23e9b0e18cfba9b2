#!/usr/bin/env bash
# A PostgreSQL 15 + PostGIS 3 server of the project's own, for tests and for running Hetu on PostGIS.
#   bash scripts/postgres.sh start    # install the Debian packages if missing, create the cluster, start it
#   bash scripts/postgres.sh stop | status | url | reset
# The cluster lives in $HETU_PG_DIR (default var/pg), runs as an unprivileged user (postgres when started as root),
# listens on 127.0.0.1:$HETU_PG_PORT (default 55432) and a socket in the cluster folder, and has one database
# ($HETU_PG_DB, default hetu) with the postgis extension. Loopback connections are trusted: this server is for one
# machine's tests and demos; docs/deploy.md says how a bureau runs a real one.
# `url` prints the HETU_DB_URL to use:  HETU_DB_URL=$(bash scripts/postgres.sh url) bash scripts/run_app.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PGDIR=$(realpath -m "${HETU_PG_DIR:-var/pg}")
PORT=${HETU_PG_PORT:-55432}
DB=${HETU_PG_DB:-hetu}
PGBIN=/usr/lib/postgresql/15/bin
RUN=()
if [ "$(id -u)" = "0" ]; then RUN=(runuser -u postgres --); fi

install_packages() {
  if [ ! -x "$PGBIN/postgres" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
    echo "postgres.sh: installing Debian packages postgresql-15 postgresql-15-postgis-3"
    local sudo=""
    if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null
  fi
}

url() { echo "postgresql://${USER_NAME}@127.0.0.1:${PORT}/${DB}"; }
USER_NAME=$([ "$(id -u)" = "0" ] && echo postgres || id -un)

running() { [ -f "$PGDIR/data/postmaster.pid" ] && "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; }

start() {
  install_packages
  mkdir -p "$PGDIR"
  if [ "$(id -u)" = "0" ]; then chown postgres: "$PGDIR"; fi
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    "${RUN[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U "$USER_NAME" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! running; then
    "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$PGDIR -c max_connections=200 -c fsync=${HETU_PG_FSYNC:-on}" start >/dev/null
  fi
  if ! "${RUN[@]}" psql -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    "${RUN[@]}" createdb -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" "$DB"
  fi
  "${RUN[@]}" psql -q -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  echo "postgres.sh: PostGIS $("${RUN[@]}" psql -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d "$DB" -tAc 'SELECT postgis_lib_version()') running: $(url)"
}

stop() { if running; then "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null; fi; echo "postgres.sh: stopped"; }

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running: $(url)"; else echo "stopped"; exit 3; fi ;;
  url) url ;;
  reset) stop; rm -rf "$PGDIR"; start ;;
  *) echo "usage: $0 start|stop|status|url|reset" >&2; exit 2 ;;
esac
