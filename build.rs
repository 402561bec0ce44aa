//! Rebuild when a migration is added: `embed_migrations!` reads the folder at compile time, and
//! cargo does not notice a new sub-folder on its own. The same for the pages under `web/`,
//! which release builds embed (src/web.rs).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=web");
}
