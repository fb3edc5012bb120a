#!/usr/bin/env bash
# What updown's compile-time checks cost a build, for each checkout given (for example
# the current one and a worktree of an earlier commit), measured in the same run:
#   quickstart   clean `cargo build -p quickstart` (every dependency included)
#   derive-clean clean build of a generated crate of 1,000 derive migrations in 10 files
#   plain-clean  clean build of the baseline: the same 1,000 migrations (same versions,
#                same SQL, same 10 files) as plain functions building
#                `updown::Migration::sql`, registered without the macros; same `updown`
#                dependency, so both build the same dependency graph
#   derive-edit  rebuild of the derive crate after one of its files changes (the macros
#                run on all 1,000 migrations again; dependencies are already built)
#   plain-edit   the same for the baseline
# Each line gives the median and every round; derive and plain are built back to back in
# each round, and the ratio is the median of the rounds' derive / plain ratios.
#
# Usage: examples/bench/build-cost.sh CHECKOUT [CHECKOUT...]
#        DIALECTS="none postgres" ...  (the default: both, one after the other)
#        DIALECT=postgres ...          (only this one; `none` for no `dialect` key)
#        CLEAN_ROUNDS=3 EDIT_ROUNDS=5  (the defaults)
#        SKIP_QUICKSTART=1 ...         (only the generated crates)
#        EDIT_ONLY=1 ...               (no clean builds: only the rebuild after an edit)
#        DEPS_TARGET=DIR ...           (with EDIT_ONLY: build the crates in DIR, kept
#                                       between runs, so that the dependencies are built
#                                       once, untimed, and only the crates are measured)
#        OPTIMISED_CHECKS=1 ...        (the crates compile the SQL checks optimised)
# Each checkout builds with its own Cargo.lock, in fresh target directories.
set -euo pipefail

out=${BUILD_COST_DIR:-$(mktemp -d)}
if [ -n "${DIALECT+set}" ]; then
    dialects=${DIALECT:-none}
else
    dialects=${DIALECTS:-none postgres}
fi
clean_rounds=${CLEAN_ROUNDS:-3}
edit_rounds=${EDIT_ROUNDS:-5}
migrations=${MIGRATIONS:-1000}
per_file=100

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | xargs printf '%.2f'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
ratio() { echo "scale=4; $1 / $2" | bc | xargs printf '%.2f'; }

manifest() { # DIR NAME CHECKOUT
    cat >"$1/Cargo.toml" <<EOF
[package]
name = "$2"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
updown = { path = "$3/runtime" }
EOF
    if [ -n "${OPTIMISED_CHECKS:-}" ]; then
        for package in updown-sql sqlparser squawk-parser squawk-syntax squawk-lexer rowan sqlite3-parser; do
            printf '\n[profile.dev.package.%s]\nopt-level = 3\n' "$package" >>"$1/Cargo.toml"
        done
    fi
    cp "$3/Cargo.lock" "$1/Cargo.lock"
}

# The SQL of migration V, the same in both crates.
up_sql() {
    local v=$1
    cat <<EOF
CREATE TABLE t$v (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL REFERENCES users (id), name VARCHAR(200) NOT NULL DEFAULT '', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
          CREATE INDEX t${v}_owner ON t$v (owner_id);
          INSERT INTO t$v (id, owner_id, name) SELECT id, id, 'first' FROM users WHERE id < 10
EOF
}

generate_derive() { # DIR CHECKOUT DIALECT
    local dir=$1 dialect_key=""
    [ "$3" != none ] && dialect_key="dialect = \"$3\","
    mkdir -p "$dir/src"
    manifest "$dir" many-derive "$2"
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
    up = "$(up_sql $v)",
    down = "DROP TABLE t$v"
)]
pub struct M$v;
EOF
            done
        } >"$dir/src/m$f.rs"
    done
    echo 'fn main() { println!("{}", updown::Registry::collect().map_or(0, |r| r.migrations().len())); }' >>"$dir/src/main.rs"
}

generate_plain() { # DIR CHECKOUT
    local dir=$1
    mkdir -p "$dir/src"
    manifest "$dir" many-plain "$2"
    local files=$((migrations / per_file)) f i v lists=""
    : >"$dir/src/main.rs"
    for ((f = 0; f < files; f++)); do
        echo "mod m$f;" >>"$dir/src/main.rs"
        lists="$lists m$f::migrations(),"
        {
            echo "pub fn migrations() -> Vec<updown::Migration> {"
            echo "    vec!["
            for ((i = 0; i < per_file; i++)); do
                v=$((f * per_file + i + 1))
                cat <<EOF
        updown::Migration::sql(
            $((20200101000000 + v)),
            "m$v",
            "$(up_sql $v)",
            Some("DROP TABLE t$v"),
        ),
EOF
            done
            echo "    ]"
            echo "}"
        } >"$dir/src/m$f.rs"
    done
    cat >>"$dir/src/main.rs" <<EOF
fn main() {
    let all = [$lists].concat();
    println!("{}", updown::Registry::from_migrations(all).map_or(0, |r| r.migrations().len()));
}
EOF
}

build() { # CRATE TARGET
    CARGO_TARGET_DIR="$2" cargo build -q --manifest-path "$1/Cargo.toml"
}

registered() { # TARGET BINARY
    local n
    n=$("$1/debug/$2")
    [ "$n" = "$migrations" ] || { echo "$2 registered $n migrations" >&2; exit 1; }
}

# Prints the derive and plain lines of one measurement and their ratio. Arguments: the
# label, the kind (clean or edit), then the derive times, `--`, the plain times.
report() {
    local label=$1 kind=$2 derive=() plain=() ratios=() i
    shift 2
    while [ "$1" != -- ]; do derive+=("$1"); shift; done
    shift
    plain=("$@")
    for i in "${!derive[@]}"; do ratios+=("$(ratio "${derive[$i]}" "${plain[$i]}")"); done
    printf '%-12s %-9s %-13s %8s   (rounds: %s)\n' "$label" "$dialect" "derive-$kind" \
        "$(median "${derive[@]}")" "${derive[*]}"
    printf '%-12s %-9s %-13s %8s   (rounds: %s)\n' "$label" "$dialect" "plain-$kind" \
        "$(median "${plain[@]}")" "${plain[*]}"
    printf '%-12s %-9s %-13s %8s   (rounds: %s)\n' "$label" "$dialect" "ratio-$kind" \
        "$(median "${ratios[@]}")" "${ratios[*]}"
}

printf '%-12s %-9s %-13s %8s\n' checkout dialect build seconds
for checkout in "$@"; do
    checkout=$(cd "$checkout" && pwd)
    # The commit, `+` when files differ from it; a directory outside git by its name.
    if label=$(git -C "$checkout" rev-parse --short HEAD 2>/dev/null); then
        [ -n "$(git -C "$checkout" status --porcelain --untracked-files=no)" ] && label="$label+"
    else
        label=$(basename "$checkout")
    fi

    if [ -z "${SKIP_QUICKSTART:-}${EDIT_ONLY:-}" ]; then
        start=$(now)
        CARGO_TARGET_DIR="$out/$label-quickstart" cargo build -q -p quickstart \
            --manifest-path "$checkout/Cargo.toml"
        printf '%-12s %-9s %-13s %8s\n' "$label" - quickstart "$(since "$start")"
    fi

    for dialect in $dialects; do
        base="$out/$label-$dialect${OPTIMISED_CHECKS:+-optimised}"
        derive="$base/derive" plain="$base/plain"
        generate_derive "$derive" "$checkout" "$dialect"
        generate_plain "$plain" "$checkout"

        if [ -z "${EDIT_ONLY:-}" ]; then
            derive_times=() plain_times=()
            for ((round = 1; round <= clean_rounds; round++)); do
                rm -rf "$base/target-derive" "$base/target-plain"
                start=$(now)
                build "$derive" "$base/target-derive"
                derive_times+=("$(since "$start")")
                start=$(now)
                build "$plain" "$base/target-plain"
                plain_times+=("$(since "$start")")
            done
            report "$label" clean "${derive_times[@]}" -- "${plain_times[@]}"
            derive_target="$base/target-derive" plain_target="$base/target-plain"
        else
            # Both crates in one target directory: the same dependencies, built once.
            derive_target="${DEPS_TARGET:-$base/target}/$label${OPTIMISED_CHECKS:+-optimised}"
            plain_target=$derive_target
            build "$derive" "$derive_target"
            build "$plain" "$plain_target"
        fi

        derive_times=() plain_times=()
        for ((round = 1; round <= edit_rounds; round++)); do
            echo "// edit $round" >>"$derive/src/m0.rs"
            start=$(now)
            build "$derive" "$derive_target"
            derive_times+=("$(since "$start")")
            echo "// edit $round" >>"$plain/src/m0.rs"
            start=$(now)
            build "$plain" "$plain_target"
            plain_times+=("$(since "$start")")
        done
        report "$label" edit "${derive_times[@]}" -- "${plain_times[@]}"
        registered "$derive_target" many-derive
        registered "$plain_target" many-plain
    done
done
