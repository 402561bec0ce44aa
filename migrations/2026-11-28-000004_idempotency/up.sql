-- Idempotency keys: a retried POST with the same key and body gets the first answer back and
-- causes no second effect. The key row is written in the same transaction as the effect.
CREATE TABLE idempotency_keys (
    caller_hsa_id text NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  text NOT NULL,
    -- Set before commit; a row is never visible without them.
    status        smallint,
    response_body text,
    location      text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_hsa_id, key)
);

-- Keys are kept at least 24 hours; older ones are removed by the server's housekeeping.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
