DROP TABLE enrollments;
DROP TABLE patients;
DROP TABLE units;
