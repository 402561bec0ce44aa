-- The answer-time histogram as one row per sending day, parties and category, holding its
-- quarter hours and their counts as two sorted arrays, instead of a row per quarter hour.
--
-- Why: at the bench's volume each (day, sender, recipient, category) holds about 4.5 answers
-- spread over hundreds of quarter hours, so the row-per-quarter table had as many rows as
-- there were answers (467,000 for a year) and grouping them took 0.4–0.5 s of the 0.6 s a
-- year's report took. As arrays the same year is 9,400 rows (7 ms to read on the bench
-- database); the report merges them per group in the application (models::statistics), with
-- the same nearest-rank percentiles to the quarter hour.

CREATE TABLE message_answer_histograms (
    sent_on date NOT NULL,
    sender_unit_id uuid NOT NULL REFERENCES units (id),
    recipient_unit_id uuid NOT NULL REFERENCES units (id),
    category text NOT NULL,
    shard smallint NOT NULL,
    -- Working time to the first answer in quarter hours (minutes / 15, rounded down),
    -- ascending and distinct; counts[i] answers took quarters[i].
    quarters integer[] NOT NULL,
    counts integer[] NOT NULL,
    CHECK (cardinality(quarters) = cardinality(counts) AND cardinality(quarters) > 0),
    CHECK (0 <= ALL (quarters) AND 0 < ALL (counts)),
    PRIMARY KEY (sent_on, sender_unit_id, recipient_unit_id, category, shard)
);

-- Two histograms added up (for the projection's upsert): the union of their quarter hours,
-- ascending, with the counts summed.
CREATE FUNCTION answer_histogram_add(a_quarters integer[], a_counts integer[],
                                     b_quarters integer[], b_counts integer[])
RETURNS TABLE (quarters integer[], counts integer[])
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(q ORDER BY q), array_agg(n ORDER BY q)
    FROM (SELECT q, sum(n)::integer AS n
          FROM (SELECT * FROM unnest(a_quarters, a_counts) AS a(q, n)
                UNION ALL
                SELECT * FROM unnest(b_quarters, b_counts) AS b(q, n)) u
          GROUP BY q) s
$$;

INSERT INTO message_answer_histograms (sent_on, sender_unit_id, recipient_unit_id, category,
    shard, quarters, counts)
SELECT sent_on, sender_unit_id, recipient_unit_id, category, 0,
       array_agg(quarter ORDER BY quarter), array_agg(n ORDER BY quarter)
FROM (SELECT sent_on, sender_unit_id, recipient_unit_id, category, quarter, sum(n)::integer AS n
      FROM message_answer_times GROUP BY 1, 2, 3, 4, 5) t
WHERE n > 0
GROUP BY 1, 2, 3, 4;

DROP TABLE message_answer_times;
