#!/usr/bin/env bash
# Installs the real servers that the integration tests start under private
# configurations: Apache 2.4 with mod_fcgid and mod_proxy_fcgi, PHP-FPM,
# uWSGI with its python3 plugin, fcgiwrap, libfcgi-perl, spawn-fcgi and
# cgi-fcgi (libfcgi-bin, the reference client of the benchmarks), nginx, and
# Prometheus (its promtool validates the OpenMetrics output; a real server scrapes
# the metrics endpoint) with node_exporter (its textfile collector reads what
# --output writes), and acl (setfacl: the tests grant a user a directory the
# mode bits refuse, to hold the doctor's kernel confirmation to the servers).
# Idempotent: does nothing when every package is already there.
set -euo pipefail

packages=(apache2 libapache2-mod-fcgid php-fpm php-cli uwsgi-core uwsgi-plugin-python3
          fcgiwrap libfcgi-perl libfcgi-bin spawn-fcgi procps nginx prometheus
          prometheus-node-exporter acl)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "test servers: all installed"; exit 0; }

if [ "$(id -u)" != 0 ]; then
  echo "test servers missing: ${missing[*]}; not root, so not installed (sudo apt-get install ${missing[*]})" >&2
  # In CI a missing server must fail the run; elsewhere the integration tests say what they skip.
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi
echo "test servers: installing ${missing[*]}"
# Services must not start on install: the tests start their own, privately.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; made_policy=1; fi
trap '[ $made_policy = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test servers: installed"
