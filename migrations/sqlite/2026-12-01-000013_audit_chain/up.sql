-- A hash chain over the audit log: the sealer gives each row, in the order rows become
-- visible, its place (seq), the previous row's hash and its own. Until then the three are
-- null; once set, nothing about the row changes.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT CHECK (length(prev_hash) = 64);
ALTER TABLE audit_log ADD COLUMN hash TEXT CHECK (length(hash) = 64);
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log (seq);
CREATE INDEX audit_log_unsealed_idx ON audit_log (id) WHERE hash IS NULL;

DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.hash IS NOT NULL
    OR NEW.hash IS NULL OR NEW.seq IS NULL OR NEW.prev_hash IS NULL
    OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
    OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_role IS NOT OLD.actor_role
    OR NEW.actor_country IS NOT OLD.actor_country OR NEW.client_id IS NOT OLD.client_id
    OR NEW.action IS NOT OLD.action OR NEW.entity_type IS NOT OLD.entity_type
    OR NEW.entity_id IS NOT OLD.entity_id OR NEW.request_id IS NOT OLD.request_id
    OR NEW.note IS NOT OLD.note OR NEW.summary IS NOT OLD.summary
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
