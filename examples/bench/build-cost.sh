#!/usr/bin/env bash
# What updown's compile-time checks cost a build, for each checkout given (for example
# the current one and a worktree of an earlier commit), measured in the same run:
#   quickstart  clean `cargo build -p quickstart` (every dependency included)
#   crate-clean clean build of a generated crate of 1,000 derive migrations
#   crate-edit  rebuild of that crate after one of its files changes (the macros run on
#               all 1,000 migrations again; dependencies are already built): median of 3
#
# Usage: examples/bench/build-cost.sh CHECKOUT [CHECKOUT...]
#        DIALECT=postgres examples/bench/build-cost.sh ...   (default: no `dialect` key)
#        SKIP_QUICKSTART=1 ...   (only the generated crate)
#        OPTIMISED_CHECKS=1 ...  (the generated crate compiles the SQL checks optimised)
# Each checkout builds with its own Cargo.lock, in its own fresh target directory.
set -euo pipefail

out=${BUILD_COST_DIR:-$(mktemp -d)}
dialect=${DIALECT:-}
migrations=1000
per_file=100

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }

generate() { # DIR CHECKOUT
    local dir=$1 checkout=$2 dialect_key=""
    [ -n "$dialect" ] && dialect_key="dialect = \"$dialect\","
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "many-migrations"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
updown = { path = "$checkout/runtime" }
EOF
    if [ -n "${OPTIMISED_CHECKS:-}" ]; then
        for package in updown-sql sqlparser squawk-parser squawk-syntax squawk-lexer rowan sqlite3-parser; do
            printf '\n[profile.dev.package.%s]\nopt-level = 3\n' "$package" >>"$dir/Cargo.toml"
        done
    fi
    cp "$checkout/Cargo.lock" "$dir/Cargo.lock"
    local files=$((migrations / per_file)) f i v
    : >"$dir/src/main.rs"
    for ((f = 0; f < files; f++)); do
        echo "mod m$f;" >>"$dir/src/main.rs"
        {
            echo "use updown::prelude::*;"
            for ((i = 0; i < per_file; i++)); do
                v=$((f * per_file + i + 1))
                cat <<EOF

#[derive(Migration)]
#[migration(
    version = $((20200101000000 + v)),
    $dialect_key
    up = "CREATE TABLE t$v (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL REFERENCES users (id), name VARCHAR(200) NOT NULL DEFAULT '', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
          CREATE INDEX t${v}_owner ON t$v (owner_id);
          INSERT INTO t$v (id, owner_id, name) SELECT id, id, 'first' FROM users WHERE id < 10",
    down = "DROP TABLE t$v"
)]
pub struct M$v;
EOF
            done
        } >"$dir/src/m$f.rs"
    done
    echo 'fn main() { println!("{}", updown::Registry::collect().map_or(0, |r| r.migrations().len())); }' >>"$dir/src/main.rs"
}

printf '%-12s %-12s %10s\n' checkout build seconds
for checkout in "$@"; do
    checkout=$(cd "$checkout" && pwd)
    label=$(git -C "$checkout" rev-parse --short HEAD)

    if [ -z "${SKIP_QUICKSTART:-}" ]; then
        start=$(now)
        CARGO_TARGET_DIR="$out/$label-quickstart" cargo build -q -p quickstart \
            --manifest-path "$checkout/Cargo.toml"
        printf '%-12s %-12s %10s\n' "$label" quickstart "$(since "$start")"
    fi

    crate="$out/$label-crate${dialect:+-$dialect}${OPTIMISED_CHECKS:+-optimised}"
    generate "$crate" "$checkout"
    start=$(now)
    CARGO_TARGET_DIR="$crate/target" cargo build -q --manifest-path "$crate/Cargo.toml"
    printf '%-12s %-12s %10s\n' "$label" crate-clean "$(since "$start")"

    rounds=()
    for round in 1 2 3; do
        echo "// edit $round" >>"$crate/src/m0.rs"
        start=$(now)
        CARGO_TARGET_DIR="$crate/target" cargo build -q --manifest-path "$crate/Cargo.toml"
        rounds+=("$(since "$start")")
    done
    median=$(printf '%s\n' "${rounds[@]}" | sort -n | sed -n 2p)
    printf '%-12s %-12s %10s   (rounds: %s)\n' "$label" crate-edit "$median" "${rounds[*]}"
    registered=$("$crate/target/debug/many-migrations")
    [ "$registered" = "$migrations" ] || { echo "registered $registered migrations" >&2; exit 1; }
done
