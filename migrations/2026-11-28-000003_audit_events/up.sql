-- The patient-data access log (HSLF-FS 2016:40 4 kap. 9 §) and the change feed for
-- integration platforms (a transactional outbox).

CREATE TABLE access_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_hsa_id text NOT NULL,
    actor_name   text,
    -- The acting unit, when the token's unit is in the directory; its HSA-id as the token named it.
    unit_id      uuid,
    unit_hsa_id  text,
    action       text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('ok', 'denied')),
    patient_id   uuid,
    message_id   uuid,
    request_id   text NOT NULL
);

CREATE INDEX access_log_at_idx ON access_log (at, id);
CREATE INDEX access_log_patient_idx ON access_log (patient_id, at, id) WHERE patient_id IS NOT NULL;
CREATE INDEX access_log_actor_idx ON access_log (actor_hsa_id, at, id);
CREATE INDEX access_log_unit_idx ON access_log (unit_id, at, id);

-- Append-only: no UPDATE, no DELETE, no TRUNCATE — except the purge of entries older than
-- five years, which `samverkan audit purge` does with `samverkan.audit_purge` set.
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('samverkan.audit_purge', true) = 'on'
       AND OLD.at < now() - interval '5 years' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access_log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();

-- The change feed. Writers insert with `seq` NULL in the same transaction as the change;
-- a reader first numbers the committed, unnumbered events under an advisory lock, so numbers
-- are handed out in one order that no later commit can undercut (see models::event).
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq        bigint UNIQUE,
    type       text NOT NULL CHECK (type IN ('message.created', 'message.read', 'message.replied',
                   'message.closed', 'message.cancelled', 'enrollment.started', 'enrollment.ended')),
    at         timestamptz NOT NULL,
    unit_ids   uuid[] NOT NULL,
    message_id uuid,
    patient_id uuid
);

CREATE INDEX events_unnumbered_idx ON events (id) WHERE seq IS NULL;
