ALTER TABLE units DROP CONSTRAINT units_hsa_id_check;
ALTER TABLE units ADD CONSTRAINT units_hsa_id_check CHECK (length(hsa_id) BETWEEN 15 AND 31);
