#!/usr/bin/env bash
# stage_profile.sh - where one `sluice score` run over the test split spends its CPU, by
# pipeline stage (issue 4's per-stage breakdown).
#
#   bench/bayes/stage_profile.sh SLUICE DB_DIR [CPU_MS]
#
# Records `taskset -c 1 SLUICE score --db DB_DIR @test-list` with perf (DWARF call graphs,
# 8 kHz) and puts every sample in the first stage found on its stack: Bayes lookup,
# combining, tokenizing; rule scan; MIME parse; verdict; output; file reading (WalkMail);
# rules load, Bayes model load and the rest of start-up; exit. Prints each stage's share
# and, given CPU_MS (the run's CPU time, e.g. the median of perf stat -e task-clock), its
# milliseconds per run and microseconds per message. Samples whose stack perf could not
# unwind to a known frame count as "other" (libc and kernel leaves mostly): compare
# shares of two builds only where "other" is alike.
set -euo pipefail
export LC_ALL=C
if [ $# -lt 2 ]; then
  echo "usage: $0 SLUICE DB_DIR [CPU_MS]" >&2
  exit 2
fi
sluice=$1
db=$2
cpu_ms=${3:-0}
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS_DIR:-$here/.cache/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$corpus/test.spam" "$corpus/test.ham" >"$work/list"
perf record -q -F 8000 --call-graph dwarf,16384 -o "$work/perf.data" \
  taskset -c 1 "$sluice" score --db "$db" "@$work/list" >/dev/null 2>&1
perf script -F period,ip,sym -i "$work/perf.data" 2>/dev/null |
  python3 -c '
import sys
stages = [  # first stage whose key is in a frame of the sample wins
    ("bayes: table lookup", ["TokenTable::Lookup", "TokenStore::Lookup"]),
    ("bayes: combine (chi-square)", ["sluice::bayes::Classify", "TokenProbability"]),
    ("bayes: tokenize", ["Tokenizer::Tokenize"]),
    ("bayes: other", ["BayesModel::Classify"]),
    ("rules: scan", ["RuleSetImpl::ScanImpl", "RuleSet::Scan"]),
    ("mime: parse", ["Parser::Parse", "mime::Parse"]),
    ("verdict", ["FinalizeVerdict"]),
    ("engine: rest of scoring", ["EngineImpl::Score"]),
    ("output (line, fwrite)", ["RunScore(sluice::cli", "fwrite", "fflush"]),
    ("file reading (WalkMail)", ["WalkMail"]),
    ("start-up: rules load", ["RuleSet::Load"]),
    ("start-up: bayes model load", ["BayesModel::Open"]),
    ("start-up: engine, other", ["Engine::Open"]),
    ("start-up: config, CLI", ["LoadConfiguration", "CLI::App"]),
    ("exit", ["exit", "~"]),
    ("start-up: dynamic linking", ["_dl_", "dl_main"]),
]
cpu_ms, messages = float(sys.argv[1]), int(sys.argv[2])
counts, sample = {}, []
def done():
    if not sample: return
    name = next((s for s, keys in stages if any(k in f for f in sample[1:] for k in keys)), "other")
    counts[name] = counts.get(name, 0) + sample[0]
for line in sys.stdin:
    text = line.strip()
    if not text:
        done(); sample = []
    elif not sample:
        sample = [int(text.split()[0])]
    else:
        sample.append(text)
done()
total = sum(counts.values()) or 1
print("%-30s %7s %8s %8s" % ("stage", "share", "ms/run", "us/msg"))
for name, c in sorted(counts.items(), key=lambda kv: -kv[1]):
    share = c / total
    print(f"{name:30} {100 * share:6.1f}% {share * cpu_ms:8.1f} {share * cpu_ms * 1000 / messages:8.1f}")
' "$cpu_ms" "$(wc -l <"$work/list")"
