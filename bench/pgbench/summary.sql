-- GET /api/v1/messages/summary (src/routes/messages/list.rs): acting unit, the trigger-kept
-- counters, and the overdue count of each mailbox. No transaction. Captured from the log.
SELECT "units"."id", "units"."hsa_id", "units"."name", "units"."kind", "units"."municipality_code", "units"."specialty", "units"."participating", "units"."active", "units"."created_at", "units"."updated_at" FROM "units" WHERE ("units"."hsa_id_norm" = :unit_hsa) LIMIT :one;
SELECT "message_counts"."mailbox", "message_counts"."status", "message_counts"."n" FROM "message_counts" WHERE ("message_counts"."unit_id" = :unit_id);
SELECT COUNT(*) FROM "messages" WHERE ((("messages"."status" = ANY(:open_statuses)) AND ("messages"."reply_due_by" < :now)) AND ("messages"."recipient_unit_id" = :unit_id)) LIMIT :one;
SELECT COUNT(*) FROM "messages" WHERE ((("messages"."status" = ANY(:open_statuses)) AND ("messages"."reply_due_by" < :now)) AND ("messages"."sender_unit_id" = :unit_id)) LIMIT :one;
