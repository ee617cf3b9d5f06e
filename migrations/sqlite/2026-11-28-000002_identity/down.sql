DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE machine_clients;
DROP TABLE refresh_tokens;
DROP TABLE users;
