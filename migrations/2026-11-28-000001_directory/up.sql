-- The directory: care units, patients and their enrollment in municipal home health care.
-- Nothing here is ever deleted; units are deactivated, enrollments are ended.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE units (
    id                uuid PRIMARY KEY,
    hsa_id            text NOT NULL CHECK (length(hsa_id) BETWEEN 15 AND 31),
    -- HSA-ids compare case-insensitively; shown as written.
    hsa_id_norm       text GENERATED ALWAYS AS (upper(hsa_id)) STORED,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind              text NOT NULL CHECK (kind IN ('kommun', 'narsjukvard', 'psykiatri', 'specialist')),
    municipality_code text CHECK (municipality_code IN ('1315', '1380', '1381', '1382', '1383', '1384')),
    specialty         text CHECK (specialty IN ('habilitering', 'palliativ')),
    participating     boolean NOT NULL DEFAULT false,
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT units_hsa_id_key UNIQUE (hsa_id_norm),
    CONSTRAINT units_municipality_only_kommun CHECK ((kind = 'kommun') = (municipality_code IS NOT NULL)),
    CONSTRAINT units_specialty_only_specialist CHECK ((kind = 'specialist') = (specialty IS NOT NULL))
);

-- Keyset pagination of the directory listing: (name, id).
CREATE INDEX units_name_id_idx ON units (name, id);

CREATE TABLE patients (
    id                       uuid PRIMARY KEY,
    -- 12 digits, normalised; never in a URL or a log line.
    personal_identity_number char(12) NOT NULL CHECK (personal_identity_number ~ '^[0-9]{12}$'),
    id_kind                  text NOT NULL CHECK (id_kind IN ('personnummer', 'samordningsnummer')),
    name                     text CHECK (length(name) BETWEEN 1 AND 200),
    created_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT patients_pnr_key UNIQUE (personal_identity_number)
);

CREATE TABLE enrollments (
    id                uuid PRIMARY KEY,
    patient_id        uuid NOT NULL REFERENCES patients (id),
    unit_id           uuid NOT NULL REFERENCES units (id),
    municipality_code text NOT NULL CHECK (municipality_code IN ('1315', '1380', '1381', '1382', '1383', '1384')),
    start_date        date NOT NULL,
    -- Inclusive: the patient is enrolled through end_date.
    end_date          date,
    started_by        text NOT NULL,
    ended_by          text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    ended_at          timestamptz,
    CONSTRAINT enrollments_end_after_start CHECK (end_date IS NULL OR end_date >= start_date),
    -- At most one open enrollment per patient ...
    CONSTRAINT enrollments_one_open EXCLUDE USING gist (patient_id WITH =) WHERE (end_date IS NULL),
    -- ... and no two enrollments of a patient overlap in time.
    CONSTRAINT enrollments_no_overlap EXCLUDE USING gist (
        patient_id WITH =,
        daterange(start_date, end_date, '[]') WITH &&
    )
);

CREATE INDEX enrollments_patient_idx ON enrollments (patient_id, start_date DESC);
