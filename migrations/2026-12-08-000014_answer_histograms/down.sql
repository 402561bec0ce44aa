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
INSERT INTO message_answer_times (sent_on, sender_unit_id, recipient_unit_id, category, quarter,
    shard, n)
SELECT h.sent_on, h.sender_unit_id, h.recipient_unit_id, h.category, x.q, h.shard, x.n
FROM message_answer_histograms h CROSS JOIN LATERAL unnest(h.quarters, h.counts) AS x(q, n);
DROP FUNCTION answer_histogram_add(integer[], integer[], integer[], integer[]);
DROP TABLE message_answer_histograms;
