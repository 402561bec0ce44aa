-- Issue 17: an access log that lasts. `access_log` partitioned by month (UTC) with PostgreSQL's
-- declarative partitioning, so five years of it (hundreds of millions of rows at Halland's
-- scale) can be kept and the expired months dropped whole instead of deleted row by row.
--
-- - One partition per month, `access_log_pYYYYMM`, created ahead by the server and by
--   `samverkan audit maintain` through `access_log_create_partition` (below).
-- - `access_log_default` takes any entry whose month has no partition (a database clock far
--   off, a partition dropped by hand): a write never fails for want of a partition. It is
--   expected to stay empty; maintenance moves what lands there into the month's partition.
-- - The primary key has to include the partition key: (at, id), which also serves the
--   review's newest-first order (the old `access_log_at_idx` on the same columns is gone).
--   Ids still come from one identity sequence, so they stay unique and increasing; nothing
--   references `access_log.id`.
-- - Append-only on every partition: the row triggers on the parent are cloned onto each
--   partition by PostgreSQL, the statement-level TRUNCATE trigger is not, so
--   `access_log_create_partition` (and `access_log_guard_partitions`) put it on each one.
-- - Existing entries are copied into their months with their ids, and the identity sequence
--   continues where the old one stood; the migration refuses to finish if a row is missing.

-- 1. The old table steps aside (its index and sequence names are needed for the new one).
ALTER TABLE access_log RENAME TO access_log_unpartitioned;
ALTER INDEX access_log_pkey RENAME TO access_log_unpartitioned_pkey;
ALTER INDEX access_log_at_idx RENAME TO access_log_unpartitioned_at_idx;
ALTER INDEX access_log_patient_idx RENAME TO access_log_unpartitioned_patient_idx;
ALTER INDEX access_log_actor_idx RENAME TO access_log_unpartitioned_actor_idx;
ALTER INDEX access_log_unit_idx RENAME TO access_log_unpartitioned_unit_idx;
ALTER SEQUENCE access_log_id_seq RENAME TO access_log_unpartitioned_id_seq;

-- 2. The partitioned log: the same columns in the same order, the same checks (named as
--    they were: a name PostgreSQL chose itself would be taken by the old table's).
CREATE TABLE access_log (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_hsa_id text NOT NULL,
    actor_name   text,
    unit_id      uuid,
    unit_hsa_id  text,
    action       text NOT NULL,
    outcome      text NOT NULL
                 CONSTRAINT access_log_outcome_check CHECK (outcome IN ('ok', 'denied')),
    patient_id   uuid,
    message_id   uuid,
    request_id   text NOT NULL,
    actor_role   text CONSTRAINT access_log_actor_role_check
                 CHECK (actor_role IN ('personal', 'admin', 'granskare', 'integration')),
    commission_hsa_id text CONSTRAINT access_log_commission_hsa_id_check
                 CHECK (length(commission_hsa_id) BETWEEN 1 AND 64),
    PRIMARY KEY (at, id)
) PARTITION BY RANGE (at);

CREATE INDEX access_log_patient_idx ON access_log (patient_id, at, id) WHERE patient_id IS NOT NULL;
CREATE INDEX access_log_actor_idx ON access_log (actor_hsa_id, at, id);
CREATE INDEX access_log_unit_idx ON access_log (unit_id, at, id);

-- 3. Append-only. No UPDATE, DELETE or TRUNCATE, except:
--    - the purge (`samverkan audit purge`, with `samverkan.audit_purge` on) deleting entries
--      older than five years — never younger, whatever retention the purge was given;
--    - `access_log_create_partition` moving entries out of the default partition into the
--      month it creates for them (`samverkan.audit_move` on; the same statement inserts them).
--    Dropping a whole expired month goes through `access_log_drop_partition`, which checks
--    the same five years.
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('samverkan.audit_purge', true) = 'on'
           AND OLD.at < now() - interval '5 years' THEN
            RETURN OLD;
        END IF;
        IF TG_TABLE_NAME = 'access_log_default'
           AND current_setting('samverkan.audit_move', true) = 'on' THEN
            RETURN OLD;
        END IF;
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

-- Puts the TRUNCATE guard on every partition that lacks it (PostgreSQL clones row triggers
-- onto partitions, not statement-level TRUNCATE triggers, and `TRUNCATE access_log_p202612`
-- would otherwise empty a month). Returns the partitions it guarded.
CREATE FUNCTION access_log_guard_partitions() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits
                 WHERE inhparent = 'access_log'::regclass ORDER BY 1 LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_trigger
                        WHERE tgrelid = part AND tgname = 'access_log_no_truncate') THEN
            EXECUTE format('CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()', part);
            RETURN NEXT part::text;
        END IF;
    END LOOP;
END;
$$;

-- The column list of the log, in order (for moving rows between tables of the same shape).
CREATE FUNCTION access_log_columns() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
      FROM pg_attribute
     WHERE attrelid = 'access_log'::regclass AND attnum > 0 AND NOT attisdropped
$$;

-- Creates the partition of the month (UTC) that contains `month`, unless it exists. Entries
-- of that month waiting in the default partition move into it, in the same transaction. A
-- table of the partition's name that is not attached (a month detached by hand, or one the
-- migration below filled) is attached as it is. Returns the entries moved from the default
-- partition, or NULL when the month had its partition already.
--
-- Locks: SHARE UPDATE EXCLUSIVE on `access_log` (one creator at a time; reads and writes go
-- on), ACCESS EXCLUSIVE on the new table and, while attaching, on the default partition
-- (PostgreSQL checks that nothing there belongs to the new month: fast while it is empty).
CREATE FUNCTION access_log_create_partition(month date) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz := date_trunc('month', month)::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := (date_trunc('month', month) + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    part text := 'access_log_p' || to_char(month, 'YYYYMM');
    cols text := access_log_columns();
    moved bigint := 0;
BEGIN
    LOCK TABLE access_log IN SHARE UPDATE EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM pg_inherits
                WHERE inhparent = 'access_log'::regclass AND inhrelid = to_regclass(part)) THEN
        RETURN NULL;
    END IF;
    IF to_regclass(part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE access_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                       'INCLUDING STORAGE INCLUDING COMPRESSION)', part);
    END IF;
    -- The month as a checked constraint, so ATTACH need not scan the table again.
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (at >= %L AND at < %L)',
                   part, part || '_month', lo, hi);
    IF to_regclass('access_log_default') IS NOT NULL THEN
        PERFORM set_config('samverkan.audit_move', 'on', true);
        EXECUTE format('WITH moved AS (DELETE FROM access_log_default WHERE at >= $1 AND at < $2 '
                       'RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
                       cols, part, cols, cols)
            USING lo, hi;
        GET DIAGNOSTICS moved = ROW_COUNT;
        PERFORM set_config('samverkan.audit_move', 'off', true);
    END IF;
    EXECUTE format('ALTER TABLE access_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   part, lo, hi);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_month');
    PERFORM access_log_guard_partitions();
    RETURN moved;
END;
$$;

-- Drops the month partition `part` when every entry in it is older than `before`, and
-- `before` is at least five years ago; returns how many entries it held. The purge's whole
-- months go through here: the five years hold even if the purge computed its limit wrong.
CREATE FUNCTION access_log_drop_partition(part text, before timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    entries bigint;
    newest timestamptz;
BEGIN
    IF before > now() - interval '5 years' THEN
        RAISE EXCEPTION 'access_log keeps entries five years: % is too recent a limit', before
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF part = 'access_log_default'
       OR NOT EXISTS (SELECT 1 FROM pg_inherits
                       WHERE inhparent = 'access_log'::regclass AND inhrelid = to_regclass(part)) THEN
        RAISE EXCEPTION '% is not a month partition of access_log', part;
    END IF;
    -- No entry can arrive between the count and the drop.
    EXECUTE format('LOCK TABLE %I IN SHARE MODE', part);
    EXECUTE format('SELECT count(*), max(at) FROM %I', part) INTO entries, newest;
    IF newest >= before THEN
        RAISE EXCEPTION 'access_log: % holds an entry from %, not before %', part, newest, before
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('DROP TABLE %I', part);
    RETURN entries;
END;
$$;

-- 4. The default partition, then every month from the oldest entry to three months ahead,
--    each filled from the old table before it is attached (so its indexes are built once,
--    sorted, instead of row by row).
CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;

DO $$
DECLARE
    cols text := access_log_columns();
    this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    first_month date;
    last_month date;
    m date;
    part text;
    old_count bigint;
    new_count bigint;
BEGIN
    SELECT date_trunc('month', min(at) AT TIME ZONE 'UTC')::date INTO first_month
      FROM access_log_unpartitioned WHERE isfinite(at);
    first_month := least(coalesce(first_month, this_month), this_month);
    last_month := (this_month + interval '3 months')::date;
    FOR m IN SELECT generate_series(first_month, last_month, interval '1 month')::date LOOP
        part := 'access_log_p' || to_char(m, 'YYYYMM');
        EXECUTE format('CREATE TABLE %I (LIKE access_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                       'INCLUDING STORAGE INCLUDING COMPRESSION)', part);
        EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM access_log_unpartitioned '
                       'WHERE at >= $1 AND at < $2', part, cols, cols)
            USING m::timestamp AT TIME ZONE 'UTC',
                  (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        PERFORM access_log_create_partition(m);
    END LOOP;
    -- What no month took (a time after the months made ahead, or not finite) goes to the
    -- default partition, ids kept.
    EXECUTE format('INSERT INTO access_log (%s) OVERRIDING SYSTEM VALUE SELECT %s '
                   'FROM access_log_unpartitioned WHERE NOT (at >= $1 AND at < $2)', cols, cols)
        USING first_month::timestamp AT TIME ZONE 'UTC',
              (last_month + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    -- New ids continue where the old sequence stood.
    PERFORM setval(pg_get_serial_sequence('access_log', 'id'), last_value, is_called)
       FROM access_log_unpartitioned_id_seq;
    SELECT count(*) INTO old_count FROM access_log_unpartitioned;
    SELECT count(*) INTO new_count FROM access_log;
    IF old_count <> new_count THEN
        RAISE EXCEPTION 'access_log partitioning: % entries before, % after', old_count, new_count;
    END IF;
END;
$$;

DROP TABLE access_log_unpartitioned;
