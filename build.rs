//! Rebuild when a migration is added: `embed_migrations!` reads the folder at compile time, and
//! cargo does not notice a new sub-folder on its own.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
