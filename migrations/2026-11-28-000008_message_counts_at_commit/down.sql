DROP TRIGGER message_counts_track ON messages;
CREATE OR REPLACE FUNCTION message_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := (pg_backend_pid() % 8)::smallint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO message_counts (unit_id, mailbox, status, shard, n)
        VALUES (NEW.recipient_unit_id, 'inbox', NEW.status, s, 1),
               (NEW.sender_unit_id, 'outbox', NEW.status, s, 1)
        ON CONFLICT (unit_id, mailbox, status, shard) DO UPDATE SET n = message_counts.n + EXCLUDED.n;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO message_counts (unit_id, mailbox, status, shard, n)
        VALUES (OLD.recipient_unit_id, 'inbox', OLD.status, s, -1),
               (OLD.sender_unit_id, 'outbox', OLD.status, s, -1),
               (NEW.recipient_unit_id, 'inbox', NEW.status, s, 1),
               (NEW.sender_unit_id, 'outbox', NEW.status, s, 1)
        ON CONFLICT (unit_id, mailbox, status, shard) DO UPDATE SET n = message_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER message_counts_track AFTER INSERT OR UPDATE OF status ON messages
    FOR EACH ROW EXECUTE FUNCTION message_counts_track();
