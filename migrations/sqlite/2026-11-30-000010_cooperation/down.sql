DROP TABLE cooperation_search_fts;
DROP TABLE cooperations;
DROP TABLE offers;
DROP TABLE needs;
DROP TABLE partners;
