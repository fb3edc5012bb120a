//! Writes the diesel migration folders of every benchmarked size into OUT_DIR and the
//! `embed_migrations!` of each, so that the embedded contender is compiled as a diesel
//! user's would be.

use std::fmt::Write as _;
use std::path::Path;

/// The sizes diesel's embedded migrations are built for.
const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);
    let mut embedded = String::new();
    for n in SIZES {
        let dir = out.join(format!("diesel-{n}"));
        for i in 1..=n {
            let folder = dir.join(format!("{i:014}_create_t{i}"));
            std::fs::create_dir_all(&folder).expect("OUT_DIR is writable");
            std::fs::write(folder.join("up.sql"), format!(
                "CREATE TABLE t{i} (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO t{i} VALUES (1, 'x');"
            ))
            .expect("OUT_DIR is writable");
            std::fs::write(folder.join("down.sql"), format!("DROP TABLE t{i};"))
                .expect("OUT_DIR is writable");
        }
        writeln!(
            embedded,
            "const EMBEDDED_{n}: diesel_migrations::EmbeddedMigrations = \
             diesel_migrations::embed_migrations!({:?});",
            dir.display().to_string()
        )
        .unwrap();
    }
    let arms: String = SIZES
        .iter()
        .map(|n| format!("{n} => Some(|| EMBEDDED_{n}),"))
        .collect();
    writeln!(
        embedded,
        "/// diesel's embedded migrations of size `n`, for the sizes built.\n\
         fn embedded(n: usize) -> Option<fn() -> diesel_migrations::EmbeddedMigrations> {{ \
         match n {{ {arms} _ => None }} }}"
    )
    .unwrap();
    std::fs::write(out.join("embedded.rs"), embedded).expect("OUT_DIR is writable");
}
