-- Twilio object claims are a tenant's: two tenants (or two requests) naming an object alike never share a
-- claim. Names are now digests of the tenant and a server-side scope (activities/kit/twilio-objects.ts);
-- rows made under the old global key keep their tenant and stay valid.
ALTER TABLE twilio_objects DROP CONSTRAINT twilio_objects_pkey;
ALTER TABLE twilio_objects ADD PRIMARY KEY (tenant_id, kind, name);
DROP INDEX IF EXISTS twilio_objects_tenant;
-- "Is this SID another tenant's?" is asked before anything found by name or listing is used.
CREATE INDEX twilio_objects_sid ON twilio_objects (sid) WHERE sid IS NOT NULL;
CREATE INDEX voice_trust_registrations_end_user ON voice_trust_registrations (end_user_sid) WHERE end_user_sid IS NOT NULL;
