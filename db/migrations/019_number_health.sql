-- What tenants report about their numbers, for the health score: call outcomes (a posted batch may be
-- posted again: an outcome with the same external id counts once) and external reputation scores.
CREATE TABLE number_call_outcomes (
  id                bigserial PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  phone_number      text NOT NULL,
  at                timestamptz NOT NULL,
  outcome           text NOT NULL CHECK (outcome IN ('answered', 'no_answer', 'busy', 'failed', 'blocked', 'labelled', 'complaint')),
  duration_seconds  integer,
  external_id       text,
  UNIQUE (tenant_id, external_id)
);
CREATE INDEX number_call_outcomes_number ON number_call_outcomes (tenant_id, phone_number, at);

CREATE TABLE number_reputation (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  phone_number  text NOT NULL,
  source        text NOT NULL,
  score         integer NOT NULL CHECK (score BETWEEN 0 AND 100),
  reported_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, phone_number, source)
);
