-- A chat turn that fails or is cut off keeps what was said, marked as such.
ALTER TABLE messages ADD COLUMN status text NOT NULL DEFAULT 'complete'
  CHECK (status IN ('complete', 'interrupted', 'failed'));
ALTER TABLE messages ADD COLUMN error text;
