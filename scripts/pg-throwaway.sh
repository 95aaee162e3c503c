#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: trust auth, a Unix socket
# in a temporary folder, no TCP, fsync off. Installs PostgreSQL from
# Debian's packages when it is missing.
#   eval "$(bash scripts/pg-throwaway.sh start)"   # exports FEEDWATCH_TEST_POSTGRES, PG_THROWAWAY
#   bash scripts/pg-throwaway.sh stop "$PG_THROWAWAY"
set -euo pipefail

pgbin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$d" ]; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1
    d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$d"
}

# as runs a PostgreSQL program as the postgres user when this is root
# (initdb refuses to run as root).
as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  bin=$(pgbin)
  dir=$(mktemp -d /tmp/feedwatch-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
  as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1
  as "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-c listen_addresses='' -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >&2
  as "$bin/createdb" -h "$dir" -U postgres feedwatch_test
  echo "export PG_THROWAWAY=$dir"
  echo "export FEEDWATCH_TEST_POSTGRES='postgres://postgres@/feedwatch_test?host=$dir'"
  ;;
stop)
  dir=${2:?the folder start printed}
  as "$(pgbin)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
