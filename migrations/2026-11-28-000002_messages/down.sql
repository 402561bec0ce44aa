DROP TABLE narcotics;
DROP TABLE message_status_changes;
DROP TABLE message_replies;
DROP TABLE messages;
