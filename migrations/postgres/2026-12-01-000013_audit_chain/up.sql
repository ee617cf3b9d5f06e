-- A hash chain over the audit log: the sealer gives each row, in the order rows become
-- visible, its place (seq), the previous row's hash and its own. Until then the three are
-- null; once set, nothing about the row changes.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT CHECK (length(prev_hash) = 64);
ALTER TABLE audit_log ADD COLUMN hash TEXT CHECK (length(hash) = 64);
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log (seq);
CREATE INDEX audit_log_unsealed_idx ON audit_log (id) WHERE hash IS NULL;

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL
        AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
        AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_role, NEW.actor_country, NEW.client_id,
             NEW.action, NEW.entity_type, NEW.entity_id, NEW.request_id, NEW.note, NEW.summary)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.at, OLD.actor_id, OLD.actor_role, OLD.actor_country, OLD.client_id,
             OLD.action, OLD.entity_type, OLD.entity_id, OLD.request_id, OLD.note, OLD.summary)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
