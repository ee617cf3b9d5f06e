-- A save rewrites many answers of one response in place. Free room on each page lets
-- PostgreSQL keep the new row versions on the same page (heap-only tuples: no new index
-- entries, old versions pruned on the page) instead of leaving them all to autovacuum.
ALTER TABLE answers SET (fillfactor = 70);
