//! The narcotics reference is data an operator replaces (`samverkan narcotics import FILE`),
//! not a list in the code: after an import the NARKOTIKA rule matches the new table. The import
//! reports what it added, changed and removed; `--dry-run` reports it and changes nothing.

use std::process::Command;

use diesel::prelude::*;
use samverkan::models::narcotic::{self, ImportMode, SHIPPED_CSV};
use samverkan::schema::narcotics;
use serde_json::json;

use crate::helpers::{recept_draft, Persona, TestApp, HALMSTAD_KOMMUN, VC_HALMSTAD};

const HEADER: &str = "substance,names,atc_codes,npl_ids,schedule,status,source\n";

async fn send_recept(app: &TestApp, drug: &str) -> crate::helpers::Resp {
    let mut body = recept_draft(app.patient_id("191212121212"), app.unit_id(VC_HALMSTAD));
    body["details"]["drug_name"] = json!(drug);
    app.post(
        "/api/v1/messages/recept",
        &Persona::nurse(HALMSTAD_KOMMUN),
        &body,
    )
    .await
}

#[actix_web::test]
async fn an_imported_table_replaces_the_shipped_one() {
    let app = TestApp::spawn().await;
    let csv =
        format!("{HEADER}testsubstans,testsubstans;Testbrand,X99XX99,,II,verified,operator test\n");
    let report = narcotic::import_csv(&mut app.db.conn(), &csv, ImportMode::Apply).unwrap();
    assert!(report.written);
    assert_eq!(report.entries, 1);
    assert_eq!(report.diff.added.len(), 1);
    assert_eq!(report.diff.removed.len(), shipped_count());

    let refused = send_recept(&app, "Testbrand 5 mg")
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    assert_eq!(refused["violations"][0]["code"], "NARKOTIKA");
    // OxyNorm was only in the shipped table, which the import replaced.
    send_recept(&app, "OxyNorm 5 mg").await.assert_status(201);
}

#[actix_web::test]
async fn the_shipped_table_is_loaded_into_a_fresh_database() {
    let app = TestApp::spawn().await;
    let count = narcotic::count(&mut app.db.conn()).unwrap();
    assert!(count >= 40, "{count} substances");
    let refused = send_recept(&app, "OxyNorm 5 mg")
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");
    assert_eq!(refused["violations"][0]["code"], "NARKOTIKA");
}

#[actix_web::test]
async fn an_empty_or_malformed_file_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();
    let before = narcotic::count(&mut conn).unwrap();
    assert!(narcotic::import_csv(&mut conn, HEADER, ImportMode::Apply).is_err());
    // Two good rows, then a quote that never closes on line 4, then one more good row.
    let good = "testsubstans,testsubstans,X99XX99,,II,verified,operator test\n";
    let broken = format!("{HEADER}{good}{good}\"unterminated,quote\n{good}");
    let err = narcotic::import_csv(&mut conn, &broken, ImportMode::Apply)
        .unwrap_err()
        .to_string();
    assert_eq!(err, "line 4: a quoted field is never closed");
    // A row with too few fields on line 3.
    let short = format!("{HEADER}{good}kodein,kodein\n");
    let err = narcotic::import_csv(&mut conn, &short, ImportMode::Apply)
        .unwrap_err()
        .to_string();
    assert_eq!(err, "line 3: 2 fields, the header has 7");
    assert_eq!(narcotic::count(&mut conn).unwrap(), before);
}

fn shipped_count() -> usize {
    SHIPPED_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .count()
}

/// The shipped file with fentanyl removed, oxikodon's schedule changed and a name added to it,
/// and a test substance added at the end.
fn edited_shipped_file() -> String {
    let mut out = String::new();
    for line in SHIPPED_CSV.lines() {
        if line.starts_with("fentanyl,") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("oxikodon,oxikodon;") {
            out.push_str("oxikodon,oxikodon;Oxikodon Testfabrik;");
            out.push_str(&rest.replacen(",II,", ",I,", 1));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str("testsubstans,testsubstans;Testbrand,X99XX99,,II,verified,operator test\n");
    out
}

/// Every stored row as it is in the table, ids and import times included: a rewrite of equal
/// entries still shows.
fn stored_rows(conn: &mut PgConnection) -> Vec<(i32, String, String, time::OffsetDateTime)> {
    narcotics::table
        .select((
            narcotics::id,
            narcotics::substance,
            narcotics::schedule,
            narcotics::imported_at,
        ))
        .order(narcotics::id)
        .load(conn)
        .unwrap()
}

/// `samverkan narcotics import ARGS...` against the test's database: (success, stdout, stderr).
fn samverkan_import(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_samverkan"))
        .args(["narcotics", "import"])
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run samverkan");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[actix_web::test]
async fn an_import_reports_what_it_added_changed_and_removed() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn();

    let report =
        narcotic::import_csv(&mut conn, &edited_shipped_file(), ImportMode::Apply).unwrap();

    assert!(report.written);
    let diff = &report.diff;
    let names = |entries: &[samverkan::domain::narcotics::NarcoticEntry]| {
        entries
            .iter()
            .map(|e| e.substance.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&diff.added), ["testsubstans"]);
    assert_eq!(names(&diff.removed), ["fentanyl"]);
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(diff.changed[0].after.substance, "oxikodon");
    assert_eq!(diff.unchanged, shipped_count() - 2);
    assert!(!diff.reordered);
    assert_eq!(
        diff.to_string().lines().nth(1),
        Some("~ oxikodon: names +Oxikodon Testfabrik; schedule II -> I")
    );
    // The table is the file now, in its order.
    let stored = narcotic::load(&mut conn).unwrap();
    let file = samverkan::domain::narcotics::parse_csv(&edited_shipped_file()).unwrap();
    assert_eq!(stored, file);
    send_recept(&app, "Fentanyl Sandoz 12 mikrog/h")
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_dry_run_prints_the_difference_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("narcotics-{}.csv", app.db.name));
    std::fs::write(&file, edited_shipped_file()).unwrap();
    let path = file.to_str().unwrap();
    let before = stored_rows(&mut app.db.conn());

    let (ok, stdout, stderr) = samverkan_import(&app, &["--dry-run", path]);

    assert!(ok, "{stderr}");
    let unchanged = shipped_count() - 2;
    assert_eq!(
        stdout,
        format!(
            "+ testsubstans (schedule II): names testsubstans, Testbrand; ATC X99XX99\n\
             ~ oxikodon: names +Oxikodon Testfabrik; schedule II -> I\n\
             - fentanyl (schedule II): names fentanyl, Fentanyl Sandoz, Durogesic, Matrifen, Abstral, Instanyl; ATC N02AB03, N01AH01; NPL 20070609000095\n\
             1 added, 1 changed, 1 removed, {unchanged} unchanged. Dry run: nothing was changed; \
             an import would leave {} substances from {path}.\n",
            unchanged + 2
        )
    );
    assert_eq!(stored_rows(&mut app.db.conn()), before);
    send_recept(&app, "Fentanyl Sandoz 12 mikrog/h")
        .await
        .assert_problem(422, "ROUTINE_VIOLATION");

    // Without --dry-run the same command changes the table; a second run finds nothing to do.
    let (ok, stdout, stderr) = samverkan_import(&app, &[path]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.ends_with(&format!(
            "1 added, 1 changed, 1 removed, {unchanged} unchanged. The reference now holds {} \
             substances from {path}; servers use them within 30 s.\n",
            unchanged + 2
        )),
        "{stdout}"
    );
    let after = stored_rows(&mut app.db.conn());
    assert_ne!(after, before);
    let (ok, stdout, _) = samverkan_import(&app, &[path]);
    assert!(ok);
    assert_eq!(
        stdout,
        format!(
            "0 added, 0 changed, 0 removed, {} unchanged. The reference already equals {path}; \
             nothing was changed.\n",
            unchanged + 2
        )
    );
    assert_eq!(stored_rows(&mut app.db.conn()), after);
    std::fs::remove_file(&file).ok();
}
