-- GET /api/v1/messages/summary (src/routes/messages/list.rs): the acting unit, the counters kept
-- by the message_counts trigger, then both overdue counts in one statement (on the partial
-- indexes of open messages). No transaction, nothing written. Captured from the PostgreSQL log.
SELECT "units"."id", "units"."hsa_id", "units"."name", "units"."kind", "units"."municipality_code", "units"."specialty", "units"."participating", "units"."active", "units"."created_at", "units"."updated_at" FROM "units" WHERE ("units"."hsa_id_norm" = :unit_hsa) LIMIT :one;
SELECT "message_counts"."mailbox", "message_counts"."status", "message_counts"."n" FROM "message_counts" WHERE ("message_counts"."unit_id" = :unit_id);
SELECT (SELECT COUNT(*) FROM "messages" WHERE (("messages"."status" IN ('sent', 'read') AND ("messages"."reply_due_by" < :now)) AND ("messages"."recipient_unit_id" = :unit_id)) LIMIT :one), (SELECT COUNT(*) FROM "messages" WHERE (("messages"."status" IN ('sent', 'read') AND ("messages"."reply_due_by" < :now)) AND ("messages"."sender_unit_id" = :unit_id)) LIMIT :one);
