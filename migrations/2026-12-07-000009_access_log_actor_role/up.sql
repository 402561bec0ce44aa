-- The role the actor acted in (HSLF-FS 2016:40 4:9 asks who accessed; a machine reading
-- patient data is logged like a person, and the log says which it was). Entries written
-- before this migration have none.
ALTER TABLE access_log ADD COLUMN actor_role text
    CHECK (actor_role IN ('personal', 'admin', 'granskare', 'integration'));
