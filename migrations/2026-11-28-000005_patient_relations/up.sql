-- Inre sekretess (Patientdatalagen 4 kap.): a unit sees a patient only when it takes part in
-- the patient's care. A unit has such a relation when it registered or looked up the patient
-- by number (a logged, deliberate act), when the patient is or was enrolled in its
-- municipality, or when it is a party to a message about the patient; only the first kind is
-- stored here, the others are derived.
CREATE TABLE patient_relations (
    unit_id    uuid NOT NULL REFERENCES units (id),
    patient_id uuid NOT NULL REFERENCES patients (id),
    since      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_id, patient_id)
);
