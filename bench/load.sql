-- Loads synthetic messages :first .. :last (psql variables) over the demo directory, set-based.
-- Patients: 20,000 with numbers 99xxxxxxxxxx — year 99xx, which no living person has — each
-- enrolled in one of the six municipalities. Messages go between a patient's kommun unit and
-- one of the six participating regional units, 70 % from the kommun; one minute apart going
-- back in time; old ones closed (with a reply), recent ones in every status. Each message
-- also gets its status-change row, its event, and two access-log entries (create and read).
\set ON_ERROR_STOP on
SET synchronous_commit = off;  -- the load only; the server and the benchmark run durable
SET maintenance_work_mem = '512MB';

-- Secondary indexes are dropped for the load and rebuilt afterwards from their own
-- definitions (sorting once is far cheaper than a million random index inserts).
-- The synthetic history predates every webhook endpoint: no deliveries to queue, so the
-- per-row trigger that queues them (migration 000010) is off for the load.
ALTER TABLE events DISABLE TRIGGER events_webhook_enqueue;

-- access_log is partitioned by month (migration 15): its indexes are defined on the parent,
-- whose definition PostgreSQL writes `ON ONLY` (the parent alone); without ONLY, CREATE INDEX
-- builds it on every partition again.
CREATE TEMP TABLE saved_indexes AS
SELECT i.indexrelid::regclass::text AS name,
       replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') AS def
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname IN ('messages', 'message_replies', 'message_status_changes', 'events', 'access_log')
  AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE ix record;
BEGIN
    FOR ix IN SELECT name FROM saved_indexes LOOP
        EXECUTE 'DROP INDEX ' || ix.name;
    END LOOP;
END $$;

CREATE TEMP TABLE k AS
SELECT row_number() OVER (ORDER BY municipality_code) - 1 AS n, id, municipality_code
FROM units WHERE kind = 'kommun';
CREATE TEMP TABLE r AS
SELECT row_number() OVER (ORDER BY hsa_id) - 1 AS n, id
FROM units WHERE kind IN ('narsjukvard', 'psykiatri') OR (kind = 'specialist' AND participating);

INSERT INTO patients (id, personal_identity_number, id_kind, name)
SELECT gen_random_uuid(), '99' || lpad(i::text, 10, '0'), 'personnummer', 'Benchpatient ' || i
FROM generate_series(1, 20000) i
ON CONFLICT DO NOTHING;

INSERT INTO enrollments (id, patient_id, unit_id, municipality_code, start_date, started_by)
SELECT gen_random_uuid(), p.id, k.id, k.municipality_code, date '2024-01-01', 'SE2321000115-BENCH'
FROM patients p
JOIN k ON k.n = (substr(p.personal_identity_number, 3)::bigint % 6)
WHERE p.personal_identity_number LIKE '99%'
  AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.patient_id = p.id);

CREATE TEMP TABLE bp AS
SELECT row_number() OVER (ORDER BY personal_identity_number) - 1 AS n, id,
       substr(personal_identity_number, 3)::bigint % 6 AS kn
FROM patients WHERE personal_identity_number LIKE '99%';

ALTER TABLE messages DISABLE TRIGGER message_counts_track;

CREATE TEMP TABLE gen AS
SELECT i,
       gen_random_uuid() AS id,
       bp.id AS patient_id,
       k.id AS kommun_id,
       r.id AS region_id,
       (i % 10) < 7 AS from_kommun,
       now() - make_interval(mins => i::int) AS sent_at,
       (ARRAY['recept', 'provtagning', 'uppfoljning', 'bokning'])[1 + i % 4] AS category,
       CASE WHEN i > 20160 THEN (CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'closed' END)
            -- (i / 6), not i: the regional unit is i % 6, and every unit's inbox must hold
            -- every status (with i % 6 each regional unit got exactly one status).
            ELSE (ARRAY['sent', 'read', 'answered', 'closed', 'closed', 'closed'])[1 + (i / 6) % 6] END AS status
FROM generate_series(:first::bigint, :last::bigint) i
JOIN bp ON bp.n = i % 20000
JOIN k ON k.n = bp.kn
JOIN r ON r.n = i % 6;

INSERT INTO messages (id, category, status, patient_id, sender_unit_id, recipient_unit_id,
    sender_hsa_id, sender_name, sender_profession, subject, body, details, sent_at, read_at,
    answered_at, closed_at, cancelled_at, cancel_reason, cancel_comment, reply_expected_from,
    reply_due_by)
SELECT id, category, status, patient_id,
       CASE WHEN from_kommun THEN kommun_id ELSE region_id END,
       CASE WHEN from_kommun THEN region_id ELSE kommun_id END,
       'SE2321000115-BENCH' || (i % 100), 'Bench Person ' || (i % 100), 'sjukskoterska',
       'Ärende ' || i,
       'Hej! Patienten behöver hjälp med ett ärende som inte är akut. Vi återkommer med mer '
         || 'information vid behov. Tack på förhand, med vänlig hälsning hemsjukvården. #' || i,
       '{"drug_name": "Enalapril", "strength": "10 mg", "dosage": "1x1", "kind": "fornyelse"}'::jsonb,
       sent_at,
       CASE WHEN status IN ('read', 'answered', 'closed') THEN sent_at + interval '1 day' END,
       CASE WHEN status IN ('answered', 'closed') THEN sent_at + interval '2 days' END,
       CASE WHEN status = 'closed' THEN sent_at + interval '3 days' END,
       CASE WHEN status = 'cancelled' THEN sent_at + interval '1 hour' END,
       CASE WHEN status = 'cancelled' THEN 'wrong_patient' END,
       NULL,
       sent_at + interval '2 days', sent_at + interval '9 days'
FROM gen;

INSERT INTO message_status_changes (message_id, from_status, to_status, at, actor_hsa_id, actor_unit_id)
SELECT g.id, NULL, 'sent', g.sent_at, 'SE2321000115-BENCH', CASE WHEN from_kommun THEN kommun_id ELSE region_id END
FROM gen g;

INSERT INTO message_replies (id, message_id, author_unit_id, author_hsa_id, author_name,
    author_profession, body, outcome, created_at)
SELECT gen_random_uuid(), g.id, CASE WHEN from_kommun THEN region_id ELSE kommun_id END,
       'SE2321000115-BENCHR', 'Bench Svarare', 'lakare', 'Åtgärdat. Hälsningar vårdcentralen.',
       'utfort', g.sent_at + interval '2 days'
FROM gen g WHERE g.status IN ('answered', 'closed');

-- The statistics the API keeps from the feed (src/models/statistics.rs), for this chunk. Each
-- chunk writes its own shard (0 for the first, 1 for the rest), so plain inserts never meet
-- an existing row. Bench answers all come two days after sending; their working times are
-- spread over 0–100 working hours by a hash of the id, so the answer-time histogram has as many
-- rows to read as a real year would. Every 20th message also had a create refused by one rule.
INSERT INTO message_stats (sent_on, due_on, sender_unit_id, recipient_unit_id, category, shard,
    sent, cancelled_wrong_patient, answered, answered_in_time, outcome_utfort)
SELECT (sent_at AT TIME ZONE 'Europe/Stockholm')::date,
       ((sent_at + interval '9 days') AT TIME ZONE 'Europe/Stockholm')::date,
       CASE WHEN from_kommun THEN kommun_id ELSE region_id END,
       CASE WHEN from_kommun THEN region_id ELSE kommun_id END,
       category, (:first > 1)::int, count(*),
       count(*) FILTER (WHERE status = 'cancelled'),
       count(*) FILTER (WHERE status IN ('answered', 'closed')),
       count(*) FILTER (WHERE status IN ('answered', 'closed')),
       count(*) FILTER (WHERE status IN ('answered', 'closed'))
FROM gen GROUP BY 1, 2, 3, 4, 5;

INSERT INTO message_answer_histograms (sent_on, sender_unit_id, recipient_unit_id, category,
    shard, quarters, counts)
SELECT sent_on, sender_unit_id, recipient_unit_id, category, (:first > 1)::int,
       array_agg(quarter ORDER BY quarter), array_agg(n ORDER BY quarter)
FROM (SELECT (sent_at AT TIME ZONE 'Europe/Stockholm')::date AS sent_on,
             CASE WHEN from_kommun THEN kommun_id ELSE region_id END AS sender_unit_id,
             CASE WHEN from_kommun THEN region_id ELSE kommun_id END AS recipient_unit_id,
             category, abs(hashtext(id::text)) % 400 AS quarter, count(*)::int AS n
      FROM gen WHERE status IN ('answered', 'closed') GROUP BY 1, 2, 3, 4, 5) t
GROUP BY 1, 2, 3, 4;

INSERT INTO rule_refusals (at, refused_on, sender_unit_id, recipient_unit_id, category, operation,
    rule_code)
SELECT sent_at, (sent_at AT TIME ZONE 'Europe/Stockholm')::date,
       CASE WHEN from_kommun THEN kommun_id ELSE region_id END,
       CASE WHEN from_kommun THEN region_id ELSE kommun_id END, category, 'create',
       (ARRAY['AKUT', 'BILAGA', 'NARKOTIKA', 'NYFORSKRIVNING', 'EJ_INSKRIVEN',
              'OGILTIG_MOTTAGARE', 'EJ_LEGITIMERAD'])[1 + abs(hashtext(id::text || 'r')) % 7]
FROM gen WHERE i % 20 = 0;

-- Numbered as a feed reader would number them (see models::event).
INSERT INTO events (seq, type, at, unit_ids, message_id, patient_id)
SELECT (SELECT coalesce(max(seq), 0) FROM events) + row_number() OVER (ORDER BY g.sent_at),
       'message.created', g.sent_at, ARRAY[kommun_id, region_id], g.id, g.patient_id
FROM gen g;

-- The months of this chunk get their partitions, as maintenance would have made them when
-- the entries were written (else they would all wait in the default partition).
DO $$
BEGIN
    PERFORM access_log_create_partition(m::date)
    FROM generate_series(date_trunc('month', (SELECT min(sent_at) FROM gen) AT TIME ZONE 'UTC'),
                         date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS m;
END $$;

INSERT INTO access_log (at, actor_hsa_id, actor_name, unit_id, unit_hsa_id, action, outcome,
    patient_id, message_id, request_id)
SELECT g.sent_at + x.d, 'SE2321000115-BENCH', 'Bench Person', CASE WHEN x.d = interval '0' THEN kommun_id ELSE region_id END,
       NULL, CASE WHEN x.d = interval '0' THEN 'message.create' ELSE 'message.read' END, 'ok',
       g.patient_id, g.id, 'bench-' || g.i
FROM gen g CROSS JOIN (VALUES (interval '0'), (interval '1 day')) x(d);

ALTER TABLE messages ENABLE TRIGGER message_counts_track;

-- The counters the trigger would have kept.
DELETE FROM message_counts;
INSERT INTO message_counts (unit_id, mailbox, status, shard, n)
SELECT recipient_unit_id, 'inbox', status, 0, count(*) FROM messages GROUP BY recipient_unit_id, status
UNION ALL
SELECT sender_unit_id, 'outbox', status, 0, count(*) FROM messages GROUP BY sender_unit_id, status;

DO $$
DECLARE ix record;
BEGIN
    FOR ix IN SELECT def FROM saved_indexes LOOP
        EXECUTE ix.def;
    END LOOP;
END $$;

ANALYZE;

ALTER TABLE events ENABLE TRIGGER events_webhook_enqueue;

-- The statistics above already count these messages: the projection of the feed
-- (models::statistics::catch_up) starts after their events.
UPDATE statistics_cursor SET seq = (SELECT coalesce(max(seq), 0) FROM events);
