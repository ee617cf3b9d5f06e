DROP TABLE reminders_sent;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE job_leases;
DROP TABLE event_retention;
DROP TABLE events;
