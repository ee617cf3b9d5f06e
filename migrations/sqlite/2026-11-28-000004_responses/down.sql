DROP TABLE idempotency_keys;
DROP TABLE answer_history;
DROP TABLE answers;
DROP TABLE responses;
