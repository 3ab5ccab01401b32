-- H2 only (spring.sql.init.platform=h2), run after schema.sql at every start.
-- H2 writes a sequence's state to its metadata every CACHE values (default 32): on the webhook path (one
-- mas_pending row per member) that was a fifth of the commit thread. After a crash ids go on above the range.
-- (Not on PostgreSQL, where a cache is per connection and would interleave ids of concurrent inserts.)
ALTER TABLE mas_pending ALTER COLUMN id SET CACHE 10000;
-- mas_pending is small and read in id order: on H2 its (audience_key, action, id) index only costs every
-- webhook commit a second B-tree write.
DROP INDEX IF EXISTS mas_pending_key;
