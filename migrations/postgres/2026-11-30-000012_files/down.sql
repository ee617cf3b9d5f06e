DROP TABLE document_search;
DROP TABLE document_versions;
DROP TABLE documents;
DROP TABLE attachments;
DROP TABLE files;
DROP TABLE blob_chunks;
DROP TABLE blobs;
