#!/usr/bin/env bash
# The benchmark of docs/BENCHMARKS.md: builds updown's benchmark and the peers' (sqlx,
# refinery, rusqlite) in release, runs every round and rewrites the tables of
# docs/BENCHMARKS.md between its bench markers.
#
#   examples/bench/run.sh [--sizes 100,1000,10000] [--rounds 5]
#                         [--modes sqlite-full,sqlite-wal,postgres]
#                         [--concurrency-sizes 100,1000] [--verify-sizes 100,1000]
#                         [--from RAW.jsonl]   (the apply rounds of an earlier run, not run again)
#
# PostgreSQL runs when UPDOWN_BENCH_POSTGRES_URL names a server where that user may
# create databases. The raw lines are kept in $TARGET/bench-results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-$PWD/target}

echo "--- building (release)" >&2
cargo build --release --locked -p updown-bench --features postgres >&2
cargo build --release --locked --manifest-path examples/bench-peers/Cargo.toml --target-dir "$TARGET" >&2

args=("$@")
if [ -n "${UPDOWN_BENCH_POSTGRES_URL:-}" ]; then
  args+=(--postgres-url "$UPDOWN_BENCH_POSTGRES_URL")
  pg=$(psql "$UPDOWN_BENCH_POSTGRES_URL" -Atc 'SHOW server_version' 2>/dev/null || echo "?")
else
  pg="not run (UPDOWN_BENCH_POSTGRES_URL unset)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
os=$(. /etc/os-release && echo "$PRETTY_NAME")
about="Machine: $(nproc) cores ($cpu), $os, $(rustc -V | cut -d' ' -f1-2), PostgreSQL $pg on loopback; $(date -u +%Y-%m-%d)."

mkdir -p "$TARGET/bench-results"
json="$TARGET/bench-results/$(date -u +%Y%m%dT%H%M%S).jsonl"
"$TARGET/release/updown-bench" run \
  --peers "$TARGET/release/updown-bench-peers" \
  --write docs/BENCHMARKS.md --json "$json" \
  --about "$about" --command "examples/bench/run.sh $*" "${args[@]}"
echo "raw results: $json" >&2
