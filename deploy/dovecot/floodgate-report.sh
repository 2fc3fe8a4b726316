#!/bin/sh
# Called by report-spam.sieve and report-ham.sieve with the message on standard input: floodgate-report.sh LABEL USER.
# Runs as the mail system's user: it needs only the report-only token (readable through reports.group) and the ops
# server's address. Exit codes are floodgate report's (75: Floodgate busy or unreachable, send it again later).
# From the environment:
#   FLOODGATE             the command (default /usr/bin/floodgate)
#   FLOODGATE_TOKEN_FILE  the report-only token (default /var/lib/floodgate/reporter/token)
#   FLOODGATE_OPS         the ops server: http://HOST:PORT, or a unix socket path (default http://127.0.0.1:9464)
set -u
label=${1:-}
user=${2:-}
case $label in
  spam | ham) ;;
  *)
    echo "floodgate-report.sh: the label must be spam or ham, not '$label'" >&2
    exit 64
    ;;
esac
if [ -z "$user" ]; then
  echo "floodgate-report.sh: no user (imap.user) to report as" >&2
  exit 64
fi
ops=${FLOODGATE_OPS:-http://127.0.0.1:9464}
case $ops in
  /*) where="--socket=$ops" ;;
  *) where="--url=$ops" ;;
esac
# FLOODGATE may carry arguments (node /path/main.js), hence unquoted.
# shellcheck disable=SC2086
exec ${FLOODGATE:-/usr/bin/floodgate} report "$label" --reporter="$user" "$where" \
  --token-file="${FLOODGATE_TOKEN_FILE:-/var/lib/floodgate/reporter/token}" --reason="moved in IMAP by $user"
