-- Follow-up of the routine (GET /api/v1/statistics): aggregates, so a year's figures are read
-- from counters instead of a million messages (1.3–1.6 s measured for an on-the-fly GROUP BY
-- with percentiles over 1,000,000 narrow rows on the bench machine; the target is 500 ms).
-- No patient data: units, category, days and counts only.
--
-- The counters are a projection of the event feed (models::statistics::catch_up): the
-- application reads the events after `statistics_cursor.seq` in batches and adds them up, so
-- creates, replies and cancellations write nothing here in their own transactions (an upsert
-- per create cost ~0.45 ms of database time each, measured in bench/run). `shard` stays for
-- loads that write counters in parallel (bench/load.sql); the projection writes shard 0.

-- Per Stockholm sending day, sender, recipient, category and due day (the reply is due at
-- 17:00 on `due_on`, so "open and overdue now" is a comparison of dates).
CREATE TABLE message_stats (
    sent_on date NOT NULL,
    due_on date NOT NULL,
    sender_unit_id uuid NOT NULL REFERENCES units (id),
    recipient_unit_id uuid NOT NULL REFERENCES units (id),
    category text NOT NULL,
    shard smallint NOT NULL,
    sent integer NOT NULL DEFAULT 0,
    cancelled_wrong_patient integer NOT NULL DEFAULT 0,
    cancelled_wrong_recipient integer NOT NULL DEFAULT 0,
    cancelled_other integer NOT NULL DEFAULT 0,
    answered integer NOT NULL DEFAULT 0,
    answered_in_time integer NOT NULL DEFAULT 0,
    outcome_utfort integer NOT NULL DEFAULT 0,
    outcome_ej_utfort integer NOT NULL DEFAULT 0,
    outcome_kontakt_behovs integer NOT NULL DEFAULT 0,
    outcome_none integer NOT NULL DEFAULT 0,
    PRIMARY KEY (sent_on, sender_unit_id, recipient_unit_id, category, due_on, shard)
);

-- Working time from sending to the first answer, in quarter hours (minutes / 15, rounded
-- down): a histogram per day and parties, from which medians and percentiles are read.
CREATE TABLE message_answer_times (
    sent_on date NOT NULL,
    sender_unit_id uuid NOT NULL REFERENCES units (id),
    recipient_unit_id uuid NOT NULL REFERENCES units (id),
    category text NOT NULL,
    quarter integer NOT NULL CHECK (quarter >= 0),
    shard smallint NOT NULL,
    n integer NOT NULL DEFAULT 0,
    PRIMARY KEY (sent_on, sender_unit_id, recipient_unit_id, category, quarter, shard)
);

-- Each rule that refused a create or a reply, counted when it happened. The message's
-- parties and category (the recipient is unknown when a draft names none that exists).
CREATE TABLE rule_refusals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    refused_on date NOT NULL,
    sender_unit_id uuid NOT NULL REFERENCES units (id),
    recipient_unit_id uuid REFERENCES units (id),
    category text NOT NULL,
    operation text NOT NULL CHECK (operation IN ('create', 'reply')),
    rule_code text NOT NULL
);
CREATE INDEX rule_refusals_refused_on ON rule_refusals (refused_on);

-- How far the projection has read the feed (events.seq); the backfill below covers the rest.
CREATE TABLE statistics_cursor (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
);
-- Events committed but not numbered yet are numbered now (as models::event does), so none of
-- them is counted twice: by the backfill and again by the projection.
UPDATE events e SET seq = b.base + n.rn
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM events WHERE seq IS NULL) n,
     (SELECT coalesce(max(seq), 0) AS base FROM events) b
WHERE e.id = n.id;
INSERT INTO statistics_cursor (id, seq) SELECT 1, coalesce(max(seq), 0) FROM events;

-- The messages already there. Their answer times are not known in working hours (the
-- working-day calendar lives in the application), so they are left out of the percentiles.
INSERT INTO message_stats (sent_on, due_on, sender_unit_id, recipient_unit_id, category, shard,
    sent, cancelled_wrong_patient, cancelled_wrong_recipient, cancelled_other, answered,
    answered_in_time, outcome_utfort, outcome_ej_utfort, outcome_kontakt_behovs, outcome_none)
SELECT (m.sent_at AT TIME ZONE 'Europe/Stockholm')::date,
       (m.reply_due_by AT TIME ZONE 'Europe/Stockholm')::date,
       m.sender_unit_id, m.recipient_unit_id, m.category, 0,
       count(*),
       count(*) FILTER (WHERE m.cancel_reason = 'wrong_patient'),
       count(*) FILTER (WHERE m.cancel_reason = 'wrong_recipient'),
       count(*) FILTER (WHERE m.cancelled_at IS NOT NULL
                          AND m.cancel_reason IS DISTINCT FROM 'wrong_patient'
                          AND m.cancel_reason IS DISTINCT FROM 'wrong_recipient'),
       count(*) FILTER (WHERE m.answered_at IS NOT NULL),
       count(*) FILTER (WHERE m.answered_at <= m.reply_due_by),
       count(*) FILTER (WHERE m.answered_at IS NOT NULL AND f.outcome = 'utfort'),
       count(*) FILTER (WHERE m.answered_at IS NOT NULL AND f.outcome = 'ej_utfort'),
       count(*) FILTER (WHERE m.answered_at IS NOT NULL AND f.outcome = 'kontakt_behovs'),
       count(*) FILTER (WHERE m.answered_at IS NOT NULL AND f.outcome IS NULL)
FROM messages m
LEFT JOIN LATERAL (
    SELECT r.outcome FROM message_replies r
    WHERE r.message_id = m.id AND r.author_unit_id = m.recipient_unit_id
    ORDER BY r.created_at LIMIT 1
) f ON true
GROUP BY 1, 2, 3, 4, 5;
