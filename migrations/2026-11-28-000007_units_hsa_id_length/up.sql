-- An HSA-id is SE + 10-digit organisation number + '-' + a suffix of at least one character
-- (DOMAIN.md, domain::hsa_id), so the shortest is 14 characters, not 15: a valid
-- `SE2321000115-A` used to pass the API's checks and then fail this constraint (a 500).
ALTER TABLE units DROP CONSTRAINT units_hsa_id_check;
ALTER TABLE units ADD CONSTRAINT units_hsa_id_check CHECK (length(hsa_id) BETWEEN 14 AND 31);
