#!/usr/bin/env bash
# Makes Debian's Exim available beside Postfix for interop tests. Both packages
# provide mail-transport-agent, so apt will not install them together; the Exim
# package is unpacked into /opt/warp-exim instead and run with `-C <config>`
# and `exim_path = /opt/warp-exim/usr/sbin/exim4` in that config.
# Prints the path of the exim binary. Idempotent.
set -euo pipefail
dest=/opt/warp-exim
bin=$dest/usr/sbin/exim4
if [ ! -x "$bin" ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Exim's own shared libraries (the rest are already there with Postfix/GnuTLS).
  if ! dpkg-query -W -f='${Status}' libidn12 2>/dev/null | grep -q 'install ok installed'; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends libidn12 >/dev/null
  fi
  work=$(mktemp -d)
  (cd "$work" && apt-get download exim4-daemon-light exim4-base >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null
    (cd "$work" && apt-get download exim4-daemon-light exim4-base >/dev/null 2>&1)
  }
  mkdir -p "$dest"
  for deb in "$work"/*.deb; do dpkg -x "$deb" "$dest"; done
  rm -rf "$work"
fi
# The binary refuses to run without its compiled-in user.
id Debian-exim >/dev/null 2>&1 ||
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim
# Without a config file -bV still prints its version first, then exits 1.
version=$("$bin" -bV 2>&1 || true)
grep -q '^Exim version' <<<"$version" || {
  echo "[system-deps] $bin does not run: $version" >&2
  exit 1
}
echo "$bin"
