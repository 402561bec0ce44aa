DROP TABLE patient_relations;
