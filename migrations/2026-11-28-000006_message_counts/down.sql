DROP TRIGGER message_counts_track ON messages;
DROP FUNCTION message_counts_track();
DROP TABLE message_counts;
