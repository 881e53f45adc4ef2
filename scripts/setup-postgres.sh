#!/usr/bin/env bash
# Install the PostgreSQL server binaries the store tests and benchmarks run (Debian package
# postgresql). The tests start their own throw-away cluster (kuaifan.testing.pgcluster), so no
# cluster is created or started here. Idempotent: does nothing when initdb and pg_ctl are present.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "setup-postgres: PostgreSQL server binaries already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "setup-postgres: installing postgresql"
# Debian's package would create and start a "main" cluster on port 5432: not wanted here.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/kuaifan.conf >/dev/null
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql
echo "setup-postgres: done"
