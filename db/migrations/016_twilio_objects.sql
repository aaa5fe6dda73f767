-- The Twilio objects the A2P activities create where Twilio can't find them by name cheaply (end users,
-- supporting documents, brands, Messaging Services): the name is claimed before the create and the SID kept
-- as soon as Twilio answers, so a retry reads it here instead of paging through every object of the account.
CREATE TABLE twilio_objects (
  tenant_id  uuid        NOT NULL REFERENCES tenants (id),
  kind       text        NOT NULL,
  name       text        NOT NULL,
  sid        text,
  claims     integer     NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, name)
);
CREATE INDEX twilio_objects_tenant ON twilio_objects (tenant_id);
