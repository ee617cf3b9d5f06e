-- A save rewrites many answers of one response in place. Free room on each page lets
-- PostgreSQL keep the new row versions on the same page (heap-only tuples: no new index
-- entries, old versions pruned on the page) instead of leaving them all to autovacuum.
ALTER TABLE answers SET (fillfactor = 70);

-- A save's history row holds every change it made (tens of kilobytes for a whole
-- questionnaire), and every write reads the questionnaire's document: lz4 compresses and
-- decompresses these several times faster than the default pglz. Servers built without lz4
-- keep pglz.
DO $$
BEGIN
    ALTER TABLE answer_history ALTER COLUMN changes SET COMPRESSION lz4;
    ALTER TABLE questionnaires ALTER COLUMN document SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;
