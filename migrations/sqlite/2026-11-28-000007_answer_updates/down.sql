-- PostgreSQL only (page fill factor for in-place answer updates); SQLite has no equivalent.
-- Kept so that both backends carry the same migration versions.
SELECT 1;
