# Sourced by .ci/run: a throwaway PostgreSQL cluster on a free loopback port, run as the postgres user
# (PostgreSQL refuses to run as root and CI runs as root). Exports HTST_TEST_PG_URL for the tests.
start_test_postgres() {
  if [ -n "${HTST_TEST_PG_URL:-}" ]; then return 0; fi
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "PostgreSQL server not found: installing it with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local dir port runas
  dir=$(mktemp -d /tmp/htst-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runas=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; runas=(runuser -u postgres --); fi
  "${runas[@]}" "$bindir/initdb" -D "$dir/data" -U htst --auth=trust -E UTF8 >/dev/null
  "${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=100" start >/dev/null
  "${runas[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U htst htst_test
  export HTST_TEST_PG_URL="postgresql+psycopg://htst@127.0.0.1:$port/htst_test"
  export HTST_TEST_PG_DIR="$dir"
  # shellcheck disable=SC2064  # expand now: the values are fixed for this run
  trap "${runas[*]} $bindir/pg_ctl -D $dir/data -m immediate stop >/dev/null 2>&1 || true" EXIT
  echo "test PostgreSQL on 127.0.0.1:$port" >&2
}
