//! `updown new NAME`: scaffolds a migration file. The other commands run from your own
//! binary, which carries your migrations.

fn main() -> std::process::ExitCode {
    updown_cli::scaffold_main()
}
