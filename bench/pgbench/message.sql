-- GET /api/v1/messages/{id} (src/routes/messages/list.rs, view.rs): one transaction with the
-- acting unit, the message joined with its patient and units, its replies with their units,
-- its history, then the access-log row (src/access_log.rs). Captured from the PostgreSQL log.
-- :row_* are this client's message (pgbench cannot pick a string at random): each client loads
-- row (client_id % rows) of bench_message_rows, which bench/run fills with ids from the reader's
-- inbox, once, in its first transaction; every later transaction is exactly the API's.
\if :loaded = 0
\set row_n :client_id % :rows
-- bench-only: once per client
SELECT row_mid, row_mids, row_pid FROM bench_message_rows WHERE n = :row_n \gset
\set loaded 1
\endif
BEGIN;
SELECT "units"."id", "units"."hsa_id", "units"."name", "units"."kind", "units"."municipality_code", "units"."specialty", "units"."participating", "units"."active", "units"."created_at", "units"."updated_at" FROM "units" WHERE ("units"."hsa_id_norm" = :unit_hsa) LIMIT :one;
SELECT "messages"."id", "messages"."category", "messages"."status", "messages"."patient_id", "messages"."sender_unit_id", "messages"."recipient_unit_id", "messages"."sender_hsa_id", "messages"."sender_name", "messages"."sender_profession", "messages"."subject", "messages"."body", "messages"."details", "messages"."sent_at", "messages"."read_at", "messages"."answered_at", "messages"."closed_at", "messages"."cancelled_at", "messages"."cancel_reason", "messages"."cancel_comment", "messages"."reply_expected_from", "messages"."reply_due_by", "patients"."id", "patients"."personal_identity_number", "patients"."id_kind", "patients"."name", "sender_units"."hsa_id", "sender_units"."name", "recipient_units"."hsa_id", "recipient_units"."name" FROM ((("messages" INNER JOIN "patients" ON ("messages"."patient_id" = "patients"."id")) INNER JOIN "units" AS "sender_units" ON ("sender_units"."id" = "messages"."sender_unit_id")) INNER JOIN "units" AS "recipient_units" ON ("recipient_units"."id" = "messages"."recipient_unit_id")) WHERE ("messages"."id" = :row_mid) LIMIT :one;
SELECT "message_replies"."id", "message_replies"."message_id", "message_replies"."author_unit_id", "message_replies"."author_hsa_id", "message_replies"."author_name", "message_replies"."author_profession", "message_replies"."body", "message_replies"."outcome", "message_replies"."created_at", "units"."hsa_id", "units"."name" FROM ("message_replies" INNER JOIN "units" ON ("message_replies"."author_unit_id" = "units"."id")) WHERE ("message_replies"."message_id" = ANY(:row_mids)) ORDER BY "message_replies"."created_at" ASC, "message_replies"."id" ASC;
SELECT "message_status_changes"."id", "message_status_changes"."message_id", "message_status_changes"."from_status", "message_status_changes"."to_status", "message_status_changes"."at", "message_status_changes"."actor_hsa_id", "message_status_changes"."actor_unit_id", "message_status_changes"."note" FROM "message_status_changes" WHERE ("message_status_changes"."message_id" = :row_mid) ORDER BY "message_status_changes"."id" ASC;
INSERT INTO "access_log" ("actor_hsa_id", "actor_name", "unit_id", "unit_hsa_id", "action", "outcome", "patient_id", "message_id", "request_id", "actor_role", "commission_hsa_id") VALUES (:actor_hsa, :actor_name, :unit_id, :unit_hsa, :action, :outcome, :row_pid, :row_mid, :rid, :actor_role, :commission);
COMMIT;
