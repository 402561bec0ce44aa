-- Messages outside a care episode, their replies and status history, and the narcotics
-- reference the NARKOTIKA rule matches against. Nothing here is ever deleted.

CREATE TABLE messages (
    id                  uuid PRIMARY KEY,
    category            text NOT NULL CHECK (category IN ('recept', 'provtagning', 'uppfoljning', 'bokning')),
    status              text NOT NULL CHECK (status IN ('sent', 'read', 'answered', 'closed', 'cancelled')),
    patient_id          uuid NOT NULL REFERENCES patients (id),
    sender_unit_id      uuid NOT NULL REFERENCES units (id),
    recipient_unit_id   uuid NOT NULL REFERENCES units (id),
    sender_hsa_id       text NOT NULL,
    sender_name         text,
    sender_profession   text,
    subject             text NOT NULL CHECK (length(subject) BETWEEN 1 AND 120),
    body                text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    details             jsonb NOT NULL,
    sent_at             timestamptz NOT NULL,
    read_at             timestamptz,
    answered_at         timestamptz,
    closed_at           timestamptz,
    cancelled_at        timestamptz,
    cancel_reason       text CHECK (cancel_reason IN ('wrong_patient', 'wrong_recipient', 'other')),
    cancel_comment      text,
    reply_expected_from timestamptz NOT NULL,
    reply_due_by        timestamptz NOT NULL,
    CONSTRAINT messages_window_order CHECK (reply_expected_from < reply_due_by),
    CONSTRAINT messages_two_units CHECK (sender_unit_id <> recipient_unit_id),
    CONSTRAINT messages_cancel_reason CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);

-- Inbox and outbox pages, newest first (keyset on sent_at, id).
CREATE INDEX messages_inbox_idx ON messages (recipient_unit_id, sent_at DESC, id DESC);
CREATE INDEX messages_outbox_idx ON messages (sender_unit_id, sent_at DESC, id DESC);
-- Status-filtered boxes.
CREATE INDEX messages_inbox_status_idx ON messages (recipient_unit_id, status, sent_at DESC, id DESC);
CREATE INDEX messages_outbox_status_idx ON messages (sender_unit_id, status, sent_at DESC, id DESC);
-- A patient's messages.
CREATE INDEX messages_patient_idx ON messages (patient_id, sent_at DESC, id DESC);
-- Open messages (unread, overdue): a small part of the table.
CREATE INDEX messages_inbox_open_idx ON messages (recipient_unit_id, reply_due_by) WHERE status IN ('sent', 'read');
CREATE INDEX messages_outbox_open_idx ON messages (sender_unit_id, reply_due_by) WHERE status IN ('sent', 'read');

CREATE TABLE message_replies (
    id                uuid PRIMARY KEY,
    message_id        uuid NOT NULL REFERENCES messages (id),
    author_unit_id    uuid NOT NULL REFERENCES units (id),
    author_hsa_id     text NOT NULL,
    author_name       text,
    author_profession text,
    body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    outcome           text CHECK (outcome IN ('utfort', 'ej_utfort', 'kontakt_behovs')),
    created_at        timestamptz NOT NULL
);

CREATE INDEX message_replies_message_idx ON message_replies (message_id, created_at, id);

CREATE TABLE message_status_changes (
    id             bigserial PRIMARY KEY,
    message_id     uuid NOT NULL REFERENCES messages (id),
    from_status    text,
    to_status      text NOT NULL,
    at             timestamptz NOT NULL,
    actor_hsa_id   text NOT NULL,
    actor_unit_id  uuid NOT NULL REFERENCES units (id),
    note           text
);

CREATE INDEX message_status_changes_message_idx ON message_status_changes (message_id, id);

-- The narcotics reference: the project ships a file, an operator may replace it.
CREATE TABLE narcotics (
    id          serial PRIMARY KEY,
    substance   text NOT NULL,
    names       text[] NOT NULL,
    atc_codes   text[] NOT NULL,
    npl_ids     text[] NOT NULL,
    schedule    text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
