DROP TRIGGER audit_log_no_update ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_log;
DROP TABLE machine_clients;
DROP TABLE refresh_tokens;
DROP TABLE users;
