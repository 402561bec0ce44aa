-- Follow-up of the routine (GET /api/v1/statistics): aggregates kept up to date in the same
-- transaction as the change they count, so a year's figures are read from a few thousand
-- rows instead of scanning a million messages (1.3–1.6 s measured for an on-the-fly GROUP BY
-- with percentiles over 1,000,000 narrow rows on the bench machine; the target is 500 ms).
-- No patient data: units, category, days and counts only.
--
-- Rows are sharded by backend (pg_backend_pid() % 16), as message_counts are, so concurrent
-- creates between the same two units do not queue on one row lock.

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
