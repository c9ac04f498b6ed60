# Sourced by .ci/run: start a throw-away PostgreSQL cluster and export
# PAINMECH_TEST_PG_URL for the tests. Runs as the 'postgres' user when root.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
PGDATA=$(mktemp -d /tmp/painmech-pg.XXXXXX)
PGPORT=${PAINMECH_PG_PORT:-54329}
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PGDATA"
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi
"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1" \
  -l "$PGDATA/log" -w start >/dev/null
export PAINMECH_TEST_PG_URL="postgresql+psycopg2://postgres@127.0.0.1:$PGPORT/postgres"
trap '"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true' EXIT
