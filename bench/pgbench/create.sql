-- POST /api/v1/messages/{category} — the statements the API runs for one accepted message, in
-- its one transaction (src/routes/messages/create.rs via src/access_log.rs): 11 statements, all
-- prepared; the answer is built from what the transaction read and wrote (no read-back).
-- Captured from the PostgreSQL log (log_statement = 'all'); bench/run re-captures and compares
-- on every run.
-- The four categories run the same statements: only the parameter values (category, subject,
-- body, details) differ, and bench/run passes each category's values with -D.
-- Variables: :row_* are this client's patient (pgbench cannot pick a string at random): each
-- client loads row (client_id % rows) of bench_create_rows (patients enrolled in the sender's
-- kommun) once, in its first transaction. The rest are constants given with -D, or come from
-- the bench-only line before BEGIN.
-- Not run here: the narcotics reference (SELECT ... FROM narcotics), which the API reloads at
-- most once per 30 s per process (every category's free text is checked against it).
\if :loaded = 0
\set row_n :client_id % :rows
-- bench-only: once per client
SELECT row_pid FROM bench_create_rows WHERE n = :row_n \gset
\set loaded 1
\endif
-- bench-only: what the API makes in Rust (a new id, the clock, the reply window, a request id).
SELECT u AS mid, t AS now, t + interval '2 days' AS expected_from, t + interval '9 days' AS due_by, (t AT TIME ZONE 'Europe/Stockholm')::date AS today, gen_random_uuid()::text AS rid FROM (SELECT gen_random_uuid() AS u, clock_timestamp() AS t) AS x \gset
BEGIN;
SELECT "units"."id", "units"."hsa_id", "units"."name", "units"."kind", "units"."municipality_code", "units"."specialty", "units"."participating", "units"."active", "units"."created_at", "units"."updated_at" FROM "units" WHERE ("units"."hsa_id_norm" = :unit_hsa) LIMIT :one;
SELECT "units"."id", "units"."hsa_id", "units"."name", "units"."kind", "units"."municipality_code", "units"."specialty", "units"."participating", "units"."active", "units"."created_at", "units"."updated_at" FROM "units" WHERE ("units"."id" = :recipient_id) LIMIT :one;
SELECT "patients"."id", "patients"."personal_identity_number", "patients"."id_kind", "patients"."name", "patients"."created_at" FROM "patients" WHERE ("patients"."id" = :row_pid) LIMIT :one;
SELECT ((EXISTS (SELECT "patient_relations"."unit_id", "patient_relations"."patient_id", "patient_relations"."since" FROM "patient_relations" WHERE (("patient_relations"."unit_id" = :unit_id) AND ("patient_relations"."patient_id" = :row_pid))) OR EXISTS (SELECT "enrollments"."id", "enrollments"."patient_id", "enrollments"."unit_id", "enrollments"."municipality_code", "enrollments"."start_date", "enrollments"."end_date", "enrollments"."started_by", "enrollments"."ended_by", "enrollments"."created_at", "enrollments"."ended_at" FROM "enrollments" WHERE (("enrollments"."patient_id" = :row_pid) AND ("enrollments"."municipality_code" = :municipality)))) OR EXISTS (SELECT "messages"."id", "messages"."category", "messages"."status", "messages"."patient_id", "messages"."sender_unit_id", "messages"."recipient_unit_id", "messages"."sender_hsa_id", "messages"."sender_name", "messages"."sender_profession", "messages"."subject", "messages"."body", "messages"."details", "messages"."sent_at", "messages"."read_at", "messages"."answered_at", "messages"."closed_at", "messages"."cancelled_at", "messages"."cancel_reason", "messages"."cancel_comment", "messages"."reply_expected_from", "messages"."reply_due_by" FROM "messages" WHERE (("messages"."patient_id" = :row_pid) AND (("messages"."sender_unit_id" = :unit_id) OR ("messages"."recipient_unit_id" = :unit_id)))));
SELECT "enrollments"."id", "enrollments"."patient_id", "enrollments"."unit_id", "enrollments"."municipality_code", "enrollments"."start_date", "enrollments"."end_date", "enrollments"."started_by", "enrollments"."ended_by", "enrollments"."created_at", "enrollments"."ended_at" FROM "enrollments" WHERE ((("enrollments"."patient_id" = :row_pid) AND ("enrollments"."start_date" <= :today)) AND (("enrollments"."end_date" IS NULL) OR ("enrollments"."end_date" >= :today))) ORDER BY "enrollments"."start_date" DESC LIMIT :one;
INSERT INTO "messages" ("id", "category", "status", "patient_id", "sender_unit_id", "recipient_unit_id", "sender_hsa_id", "sender_name", "sender_profession", "subject", "body", "details", "sent_at", "reply_expected_from", "reply_due_by") VALUES (:mid, :category, :status_sent, :row_pid, :unit_id, :recipient_id, :actor_hsa, :actor_name, :actor_profession, :subject, :body, :details, :now, :expected_from, :due_by);
INSERT INTO "message_status_changes" ("message_id", "to_status", "at", "actor_hsa_id", "actor_unit_id") VALUES (:mid, :status_sent, :now, :actor_hsa, :unit_id);
INSERT INTO "events" ("type", "at", "unit_ids", "message_id", "patient_id") VALUES (:event_type, :now, :event_units, :mid, :row_pid);
INSERT INTO "access_log" ("actor_hsa_id", "actor_name", "unit_id", "unit_hsa_id", "action", "outcome", "patient_id", "message_id", "request_id", "actor_role", "commission_hsa_id") VALUES (:actor_hsa, :actor_name, :unit_id, :unit_hsa, :action, :outcome, :row_pid, :mid, :rid, :actor_role, :commission);
COMMIT;
