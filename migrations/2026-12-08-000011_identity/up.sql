-- Issue 14: tokens from the region's identity provider.
--
-- Integration platforms registered in the directory: a client-credentials token whose client
-- id is here acts as that client, for these units, without any custom claim at the provider.
CREATE TABLE integration_clients (
    client_id  text PRIMARY KEY CHECK (length(client_id) BETWEEN 1 AND 200),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    unit_ids   uuid[] NOT NULL CHECK (cardinality(unit_ids) BETWEEN 1 AND 100),
    active     boolean NOT NULL DEFAULT true,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The medarbetaruppdrag (commission) the person acted under, as the provider's token named it.
ALTER TABLE access_log ADD COLUMN commission_hsa_id text
    CHECK (length(commission_hsa_id) BETWEEN 1 AND 64);
