DROP TABLE cooperation_search;
DROP TABLE cooperations;
DROP TABLE offers;
DROP TABLE needs;
DROP TABLE partners;
