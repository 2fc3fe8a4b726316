#!/usr/bin/env bash
# Install what Floodgate needs on Debian 12 as root: Debian packages, npm dependencies, the build.
# Usage: scripts/install-deps.sh [run|test|bench] [--no-build]   (test adds the real MTAs and scanners the suites drive;
# --no-build: make test builds beside its lint)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-run}
build=yes
[ "${2:-}" = --no-build ] && build=no

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
fi

# npm ci beside apt: they fetch from different archives and write different trees, and no npm package here builds
# against a Debian package (koffi and msgpackr-extract ship prebuilt binaries for linux-x64).
npm_pid=
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund &
  npm_pid=$!
  trap 'kill "$npm_pid" 2>/dev/null || true' ERR
fi

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string lab.local" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Sendmail conflicts with postfix as a package; the tests run it unpacked (real-mta-lab.md). promtool checks
# deploy/prometheus-rules.yml; only the binary is needed, so its package is unpacked, not installed. Both are fetched
# in one apt-get download (one connection to the archive, the files pipelined), in .lab/debs.
unpacked=()
sendmail_debs=(sendmail-bin sendmail-base sendmail-cf m4 libwrap0 liblockfile1)
if [ "$profile" != run ]; then
  [ -x .lab/sendmail/root/usr/libexec/sendmail/sendmail ] || unpacked+=("${sendmail_debs[@]}")
  [ -x .lab/prometheus/root/usr/bin/promtool ] || unpacked+=(prometheus)
fi
if [ ${#unpacked[@]} -gt 0 ]; then
  rm -rf .lab/debs && mkdir -p .lab/debs
  (cd .lab/debs && apt-get download "${unpacked[@]}" >/dev/null)
  if [ ! -x .lab/sendmail/root/usr/libexec/sendmail/sendmail ]; then
    mkdir -p .lab/sendmail/root
    for p in "${sendmail_debs[@]}"; do dpkg -x .lab/debs/"${p}"_*.deb .lab/sendmail/root; done
  fi
  if [ ! -x .lab/prometheus/root/usr/bin/promtool ]; then
    mkdir -p .lab/prometheus/root
    dpkg -x .lab/debs/prometheus_*.deb .lab/prometheus/root
  fi
  rm -rf .lab/debs
fi

[ -z "$npm_pid" ] || wait "$npm_pid"
[ "$build" = no ] || make --no-print-directory build
