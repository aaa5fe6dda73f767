-- Lookup v2 answers, per tenant, number and data package, with when they were fetched: a repeat within the
-- caller's max age is answered from here and costs nothing. `params` is what the answer depends on beyond the
-- number (the LastVerifiedDate of a reassigned-number check).
CREATE TABLE number_lookups (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  phone_number  text NOT NULL,
  package       text NOT NULL,
  params        text NOT NULL DEFAULT '',
  basics        jsonb NOT NULL,
  result        jsonb,
  fetched_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, phone_number, package)
);
