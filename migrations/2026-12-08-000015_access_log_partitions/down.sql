-- Back to one unpartitioned table, every entry and id kept (as migration 11 left it).
ALTER TABLE access_log RENAME TO access_log_partitioned;
ALTER INDEX access_log_pkey RENAME TO access_log_partitioned_pkey;
ALTER INDEX access_log_patient_idx RENAME TO access_log_partitioned_patient_idx;
ALTER INDEX access_log_actor_idx RENAME TO access_log_partitioned_actor_idx;
ALTER INDEX access_log_unit_idx RENAME TO access_log_partitioned_unit_idx;
ALTER SEQUENCE access_log_id_seq RENAME TO access_log_partitioned_id_seq;

CREATE TABLE access_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_hsa_id text NOT NULL,
    actor_name   text,
    unit_id      uuid,
    unit_hsa_id  text,
    action       text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('ok', 'denied')),
    patient_id   uuid,
    message_id   uuid,
    request_id   text NOT NULL,
    actor_role   text CHECK (actor_role IN ('personal', 'admin', 'granskare', 'integration')),
    commission_hsa_id text CHECK (length(commission_hsa_id) BETWEEN 1 AND 64)
);

INSERT INTO access_log OVERRIDING SYSTEM VALUE SELECT * FROM access_log_partitioned;
SELECT setval(pg_get_serial_sequence('access_log', 'id'), last_value, is_called)
  FROM access_log_partitioned_id_seq;

CREATE INDEX access_log_at_idx ON access_log (at, id);
CREATE INDEX access_log_patient_idx ON access_log (patient_id, at, id) WHERE patient_id IS NOT NULL;
CREATE INDEX access_log_actor_idx ON access_log (actor_hsa_id, at, id);
CREATE INDEX access_log_unit_idx ON access_log (unit_id, at, id);

-- Dropping the partitioned table drops its partitions (no TRUNCATE trigger fires on DROP).
DROP TABLE access_log_partitioned;
DROP FUNCTION access_log_drop_partition(text, timestamptz);
DROP FUNCTION access_log_create_partition(date);
DROP FUNCTION access_log_columns();
DROP FUNCTION access_log_guard_partitions();

CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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
