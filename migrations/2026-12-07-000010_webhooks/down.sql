DROP TRIGGER events_webhook_enqueue ON events;
DROP FUNCTION webhook_enqueue();
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
