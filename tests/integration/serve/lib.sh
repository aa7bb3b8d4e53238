# lib.sh - sourced by the serve tests: the smallest config `sluice serve` starts on.
#
# write_serve_config FILE SCORE_LOG SOCKET_DIR [MILTER_LINE...]: no rules, no rules cache, no
# Bayes; the score log at SCORE_LOG, a unix milter socket in SOCKET_DIR, and each MILTER_LINE
# ("key: value") added to the milter section.
write_serve_config() {
  local file=$1 log=$2 dir=$3 line
  shift 3
  {
    printf 'scoring:\n  rules: []\n  rules_cache: ""\n  bayes:\n    enabled: false\n'
    printf 'log:\n  score_log: %s\nmilter:\n  socket: unix:%s/milter.sock\n' "$log" "$dir"
    for line in "$@"; do printf '  %s\n' "$line"; done
  } >"$file"
}
