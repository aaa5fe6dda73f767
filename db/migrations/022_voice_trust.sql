-- Voice trust registrations: a SHAKEN/STIR, CNAM or Voice Integrity trust product on one of the tenant's business
-- profiles, with its numbers; one durable workflow each (the API reads this projection).
CREATE TABLE voice_trust_registrations (
  id                    uuid PRIMARY KEY,
  tenant_id             uuid NOT NULL REFERENCES tenants(id),
  product               text NOT NULL CHECK (product IN ('shaken_stir', 'cnam', 'voice_integrity')),
  status                text NOT NULL,
  step                  text NOT NULL,
  draft                 jsonb NOT NULL,
  business_profile_sid  text NOT NULL,
  trust_product_sid     text,
  end_user_sid          text,
  twilio_status         text,
  problems              jsonb NOT NULL DEFAULT '[]',
  idempotency_key       text,
  workflow_id           text NOT NULL UNIQUE,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  finished_at           timestamptz,
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX voice_trust_registrations_tenant_created ON voice_trust_registrations (tenant_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX voice_trust_registrations_trust_product ON voice_trust_registrations (trust_product_sid) WHERE trust_product_sid IS NOT NULL;

-- Each number of a registration: on the business profile, then on the trust product (the order Twilio requires).
CREATE TABLE voice_trust_numbers (
  registration_id      uuid NOT NULL REFERENCES voice_trust_registrations(id) ON DELETE CASCADE,
  tenant_id            uuid NOT NULL REFERENCES tenants(id),
  phone_number         text NOT NULL,
  twilio_sid           text NOT NULL,
  on_business_profile  boolean NOT NULL DEFAULT false,
  on_trust_product     boolean NOT NULL DEFAULT false,
  detached_at          timestamptz,
  PRIMARY KEY (registration_id, phone_number)
);
CREATE INDEX voice_trust_numbers_sid ON voice_trust_numbers (tenant_id, twilio_sid);

CREATE TABLE voice_trust_events (
  id               bigserial PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  registration_id  uuid NOT NULL REFERENCES voice_trust_registrations(id) ON DELETE CASCADE,
  type             text NOT NULL,
  message          text NOT NULL,
  data             jsonb NOT NULL DEFAULT '{}',
  at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voice_trust_events_registration ON voice_trust_events (registration_id, id);
