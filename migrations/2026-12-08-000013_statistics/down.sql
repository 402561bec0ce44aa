DROP TABLE statistics_cursor;
DROP TABLE rule_refusals;
DROP TABLE message_answer_times;
DROP TABLE message_stats;
