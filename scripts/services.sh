#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 for the test suite: starts them if they
# are installed but stopped, installs them from Debian's packages if they are missing.
set -euo pipefail

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
wait_for() {
  for _ in $(seq 1 60); do "$1" && return 0; sleep 0.5; done
  echo "services: $2 did not come up on 127.0.0.1" >&2; return 1
}

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for pg_up PostgreSQL
  # Tests connect as postgres over TCP without a password, as on the CI machines.
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! as_root grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
fi
if ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /tmp/ledgerport-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/ledgerport-redis --logfile /tmp/ledgerport-redis/redis.log
  wait_for redis_up Redis
fi
echo "services: PostgreSQL and Redis answer on 127.0.0.1"
