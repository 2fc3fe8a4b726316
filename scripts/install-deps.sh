#!/usr/bin/env bash
# Install what Floodgate needs on Debian 12 as root: Debian packages, npm dependencies, the build.
# Usage: scripts/install-deps.sh [run|test|bench]   (test adds the real MTAs and scanners the suites drive)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-run}

run_pkgs=(redis-server spamassassin spamd spamc libmilter-dev gcc make)
# chromium: the console's browser tests drive Debian's Chromium (playwright-core brings no browser).
test_pkgs=(postfix miltertest spamassassin spamd spamc libmilter-dev util-linux iproute2 chromium)
bench_pkgs=(spamass-milter rspamd)

want=("${run_pkgs[@]}")
[ "$profile" = test ] || [ "$profile" = bench ] && want+=("${test_pkgs[@]}")
[ "$profile" = bench ] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string lab.local" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Sendmail conflicts with postfix as a package; the tests run it unpacked (real-mta-lab.md).
if [ "$profile" != run ] && [ ! -x .lab/sendmail/root/usr/libexec/sendmail/sendmail ]; then
  mkdir -p .lab/sendmail/debs .lab/sendmail/root
  (cd .lab/sendmail/debs && apt-get download sendmail-bin sendmail-base sendmail-cf m4 libwrap0 liblockfile1 >/dev/null)
  for deb in .lab/sendmail/debs/*.deb; do dpkg -x "$deb" .lab/sendmail/root; done
fi

# promtool checks deploy/prometheus-rules.yml; only the binary is needed, so the package is unpacked, not installed.
if [ "$profile" != run ] && [ ! -x .lab/prometheus/root/usr/bin/promtool ]; then
  mkdir -p .lab/prometheus/debs .lab/prometheus/root
  (cd .lab/prometheus/debs && apt-get download prometheus >/dev/null)
  dpkg -x .lab/prometheus/debs/prometheus_*.deb .lab/prometheus/root
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
make --no-print-directory build
