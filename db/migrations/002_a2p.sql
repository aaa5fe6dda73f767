-- US A2P 10DLC registrations: one row per registration (the API's projection), plus the seed's
-- per-resource tables with tenant, registration, status, failure reasons and timestamps.
CREATE TABLE a2p_registrations (
  id               uuid PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  status           text NOT NULL,
  step             text NOT NULL,
  draft            jsonb NOT NULL,
  state            jsonb NOT NULL DEFAULT '{}',
  idempotency_key  text,
  workflow_id      text NOT NULL UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX a2p_registrations_tenant_created ON a2p_registrations (tenant_id, created_at DESC, id DESC);

CREATE TABLE a2p_profiles (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  registration_id  uuid REFERENCES a2p_registrations(id),
  profile_sid      text UNIQUE NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('customer_profile', 'trust_product')),
  friendly_name    text,
  email            text,
  status           text,
  business_name    text,
  profile_type     text DEFAULT 'business',
  failure_reasons  jsonb NOT NULL DEFAULT '[]',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE a2p_brands (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES tenants(id),
  registration_id  uuid REFERENCES a2p_registrations(id),
  brand_sid        text UNIQUE NOT NULL,
  profile_sid      text REFERENCES a2p_profiles(profile_sid),
  display_name     text,
  company_name     text,
  status           text,
  brand_type       text,
  failure_reasons  jsonb NOT NULL DEFAULT '[]',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE a2p_campaigns (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id              uuid NOT NULL REFERENCES tenants(id),
  registration_id        uuid REFERENCES a2p_registrations(id),
  campaign_sid           text UNIQUE NOT NULL,
  brand_sid              text REFERENCES a2p_brands(brand_sid),
  messaging_service_sid  text,
  usecase                text,
  usecase_description    text,
  status                 text DEFAULT 'pending',
  failure_reasons        jsonb NOT NULL DEFAULT '[]',
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
