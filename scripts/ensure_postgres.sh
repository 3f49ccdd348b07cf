#!/usr/bin/env bash
# A PostgreSQL 15 cluster of the test suite's own ("esantetest", port 5433 by default), started when it
# is not running, with a superuser role for the current user (peer authentication on the socket).
# It is a throwaway cluster: durability is off (fsync, full-page writes, synchronous commit), which
# makes CREATE DATABASE ... TEMPLATE, done for every test's tenant, about three times faster.
set -euo pipefail
port=${ESANTE_PG_TEST_PORT:-5433}
cluster=esantetest
if ! command -v pg_createcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing postgresql-15" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "15 $cluster"; then
  pg_createcluster 15 "$cluster" --port "$port" >/dev/null
fi
if ! pg_isready -q -h /var/run/postgresql -p "$port"; then
  pg_ctlcluster 15 "$cluster" start -- -o "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
  for _ in $(seq 1 50); do pg_isready -q -h /var/run/postgresql -p "$port" && break; sleep 0.2; done
fi
user=$(id -un)
exists=$(su postgres -c "psql -h /var/run/postgresql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$user'\"")
if [ "$exists" != "1" ]; then
  su postgres -c "psql -h /var/run/postgresql -p $port -qc 'CREATE ROLE \"$user\" SUPERUSER LOGIN'"
fi
