-- Issue 15: one-time tickets for the live mailbox stream. Browsers' EventSource cannot send
-- Authorization, and tokens must never travel in URLs: a caller trades its token for a ticket
-- (valid 60 s, used once) that goes in the stream's URL instead. Only the ticket's SHA-256 is
-- stored; the caller as the token described it is kept until the ticket is used or expires.
CREATE TABLE stream_tickets (
    ticket_hash bytea PRIMARY KEY CHECK (length(ticket_hash) = 32),
    caller      text NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stream_tickets_expires_at ON stream_tickets (expires_at);
