#!/usr/bin/env bash
# Installs the Debian packages warp's tests and lab need, only where missing,
# and starts MariaDB where none answers on 127.0.0.1:3306.
# Idempotent and quiet: a machine that has everything pays two dpkg queries.
set -euo pipefail

log() { printf '[system-deps] %s\n' "$*"; }

# iptables/nftables/iproute2: network namespaces and NAT rules (original-dst, lab).
# postfix/swaks: real sending and receiving MTAs and a scriptable client (lab, fixtures).
# haproxy: the plain TCP relay baseline of the lab benchmark.
# openssl: throw-away certificates for the lab MX.
# mariadb-server/-client: the MySQL store's tests (only installed where none runs).
packages=(iptables nftables iproute2 postfix swaks haproxy openssl ca-certificates
  mariadb-client python3 make g++)

if [ "$(id -u)" != 0 ]; then
  log "not root: cannot install Debian packages; the lab and namespace tests need root" >&2
  exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

mariadb_up() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; }

need_mariadb_server=0
if ! command -v mariadb-admin >/dev/null 2>&1 || ! mariadb_up; then
  if ! dpkg-query -W -f='${Status}' mariadb-server 2>/dev/null | grep -q 'install ok installed'; then
    missing+=(mariadb-server)
  fi
  need_mariadb_server=1
fi

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  # Postfix must not configure or start itself as the host MTA: the lab runs
  # its own instances with their own config directories.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$need_mariadb_server" = 1 ] && ! mariadb_up; then
  log "starting MariaDB"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  start-stop-daemon --start --oknodo --background --chuid mysql:mysql \
    --pidfile /run/mysqld/mysqld.pid --exec /usr/sbin/mariadbd -- \
    --pid-file=/run/mysqld/mysqld.pid --bind-address=127.0.0.1 --port=3306
  for _ in $(seq 1 60); do
    mariadb_up && break
    sleep 1
  done
  if ! mariadb_up; then
    log "MariaDB did not answer on 127.0.0.1:3306 within 60 s" >&2
    exit 1
  fi
  # Tests connect as root over TCP with an empty password, as on the dev machines.
  mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" 2>/dev/null || true
  mariadb -uroot -e "CREATE DATABASE IF NOT EXISTS test" 
fi
log "ok"
