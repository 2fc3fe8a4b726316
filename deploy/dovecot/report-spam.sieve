# A message moved into Junk: the user reports it as spam to Floodgate (floodgate-report.sh, from sieve_pipe_bin_dir).
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];

if environment :matches "imap.user" "*" {
  set "username" "${1}";
}

pipe :copy "floodgate-report.sh" ["spam", "${username}"];
