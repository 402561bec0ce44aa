-- Mailbox counts per unit and status, kept by a trigger so that the summary (the unread
-- badge every frontend polls) costs the same at a million messages as at a thousand.
-- Each count is spread over a few shards (by backend) so that concurrent senders to the same
-- unit do not queue on one counter row.
CREATE TABLE message_counts (
    unit_id uuid     NOT NULL,
    mailbox text     NOT NULL CHECK (mailbox IN ('inbox', 'outbox')),
    status  text     NOT NULL,
    shard   smallint NOT NULL,
    n       bigint   NOT NULL,
    PRIMARY KEY (unit_id, mailbox, status, shard)
);

CREATE FUNCTION message_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- Messages that exist already.
INSERT INTO message_counts (unit_id, mailbox, status, shard, n)
SELECT recipient_unit_id, 'inbox', status, 0, count(*) FROM messages GROUP BY recipient_unit_id, status
UNION ALL
SELECT sender_unit_id, 'outbox', status, 0, count(*) FROM messages GROUP BY sender_unit_id, status;
