-- Webhooks after the Standard Webhooks specification (v1.0): endpoints that integration
-- platforms register, and one delivery per event and endpoint, queued in the transaction that
-- records the event (see src/webhooks/mod.rs).

CREATE TABLE webhook_endpoints (
    id                    uuid PRIMARY KEY,
    -- Who registered it (the token's `sub`) and the unit it acted for: an integration client
    -- sees and changes only its own endpoints; its deliveries are logged with this actor.
    owner_hsa_id          text NOT NULL,
    owner_unit_id         uuid REFERENCES units (id),
    owner_unit_hsa_id     text,
    owner_role            text NOT NULL CHECK (owner_role IN ('integration', 'admin')),
    url                   text NOT NULL,
    description           text,
    unit_ids              uuid[] NOT NULL CHECK (cardinality(unit_ids) > 0),
    -- NULL: every event type.
    event_types           text[],
    active                boolean NOT NULL DEFAULT true,
    -- Why it was disabled: 'manual' (PATCH), 'gone' (410), 'failing' (failed for too long).
    disabled_reason       text CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
    disabled_at           timestamptz,
    -- `whsec_` + base64; the previous one signs beside it until it expires (rotation).
    secret                text NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    -- Since when every attempt has failed (NULL after a success).
    failing_since         timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

CREATE INDEX webhook_endpoints_owner_idx ON webhook_endpoints (owner_hsa_id, created_at, id);
CREATE INDEX webhook_endpoints_units_idx ON webhook_endpoints USING gin (unit_ids) WHERE active;

CREATE TABLE webhook_deliveries (
    -- The `webhook-id` header is `msg_` + this id (hex, no dashes): the same on every attempt.
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Queueing order (ids are random): the listing's order and cursor.
    ordinal         bigint GENERATED ALWAYS AS IDENTITY,
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id),
    -- The event it carries; NULL for `webhook.test`.
    event_id        bigint REFERENCES events (id),
    type            text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    -- A dispatcher's claim: not due again before this (see models::webhook). Not indexed, so
    -- a claim is a HOT update that touches no index.
    leased_until    timestamptz,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
) WITH (fillfactor = 70);

CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, ordinal);
CREATE INDEX webhook_deliveries_failed_idx ON webhook_deliveries (endpoint_id, created_at) WHERE status = 'failed';

-- Every event is queued for every active endpoint that covers one of its units and takes its
-- type, in the inserting transaction: an event that commits has its deliveries, and one that
-- rolls back has none. A trigger rather than a second statement in each writer, so no writer
-- can forget it (bench/run's statement capture is unchanged; pgbench runs the trigger too).
CREATE FUNCTION webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (endpoint_id, event_id, type, next_attempt_at, created_at)
    SELECT w.id, NEW.id, NEW.type, NEW.at, NEW.at
      FROM webhook_endpoints w
     WHERE w.active
       AND w.unit_ids && NEW.unit_ids
       AND (w.event_types IS NULL OR NEW.type = ANY (w.event_types));
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_webhook_enqueue AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION webhook_enqueue();
