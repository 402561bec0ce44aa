//! `src/schema.rs` is exactly what `diesel print-schema` writes for the migrated database, so a
//! migration can never drift from the types the code queries with. `script/test` installs the
//! diesel CLI when it is missing; `DIESEL_BIN` may point at it.

use std::path::PathBuf;
use std::process::Command;

use crate::helpers::TestDb;

fn diesel_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("DIESEL_BIN") {
        return PathBuf::from(bin);
    }
    let home_bin = std::env::var("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/diesel"));
    match home_bin {
        Ok(p) if p.exists() => p,
        _ => PathBuf::from("diesel"),
    }
}

#[test]
fn schema_rs_matches_diesel_print_schema_of_the_migrated_database() {
    let db = TestDb::new();
    let out = Command::new(diesel_bin())
        .args(["print-schema", "--database-url", &db.url])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run the diesel CLI ({e}); script/test installs it, or set DIESEL_BIN")
        });
    assert!(
        out.status.success(),
        "diesel print-schema failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/schema.rs"))
        .expect("src/schema.rs");
    assert!(
        printed == committed,
        "src/schema.rs differs from `diesel print-schema`: run `diesel print-schema --database-url <migrated db> > src/schema.rs`"
    );
}
