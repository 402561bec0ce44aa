ALTER TABLE access_log DROP COLUMN commission_hsa_id;
DROP TABLE integration_clients;
