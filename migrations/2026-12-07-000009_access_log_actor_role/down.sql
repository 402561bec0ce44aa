ALTER TABLE access_log DROP COLUMN actor_role;
