-- chunks_by_document (workspace_id, document_id) repeats the leading columns of the unique key
-- (workspace_id, document_id, position), which serves every lookup of a document's chunks as well;
-- each chunk written paid for one more btree entry (bench: ingestion-throughput).
DROP INDEX chunks_by_document;
