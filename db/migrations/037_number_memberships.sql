-- Which product holds which number: a SIP trunk, a Messaging Service (an A2P campaign's sender pool), a voice
-- trust product. Written by the product's own activity once Twilio has confirmed the join, deleted when the
-- number leaves; release and rotation read a number's rows instead of asking Twilio about every trunk,
-- Messaging Service and trust product of the tenant.
CREATE TABLE number_memberships (
  tenant_id       uuid NOT NULL REFERENCES tenants(id),
  phone_number    text NOT NULL,
  -- The number's PN SID: what every container names it by (a number released and bought again has another).
  twilio_sid      text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('sip_trunk', 'messaging_service', 'trust_product')),
  -- TK… (trunk), MG… (Messaging Service), BU… (trust product).
  container_sid   text NOT NULL,
  -- Twilio's SID of the membership itself where it has one of its own (a trust product's channel endpoint
  -- assignment, RA…); the PN SID for trunks and Messaging Services; null when not known (backfilled rows).
  membership_sid  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (twilio_sid, kind, container_sid)
);
CREATE INDEX number_memberships_container ON number_memberships (kind, container_sid);

-- Backfill: the memberships made before this table, from the records that already kept them, for live numbers.

-- SIP trunks: phone_numbers.sip_trunk_id follows every attach, detach and move.
INSERT INTO number_memberships (tenant_id, phone_number, twilio_sid, kind, container_sid, membership_sid, created_at)
SELECT n.tenant_id, n.phone_number, n.twilio_sid, 'sip_trunk', t.trunk_sid, n.twilio_sid, n.updated_at
  FROM phone_numbers n JOIN sip_trunks t ON t.id = n.sip_trunk_id
 WHERE n.status IN ('active', 'releasing') AND n.twilio_sid IS NOT NULL AND t.trunk_sid IS NOT NULL
ON CONFLICT DO NOTHING;

-- Voice trust products: voice_trust_numbers, from the assignment until the number is detached.
INSERT INTO number_memberships (tenant_id, phone_number, twilio_sid, kind, container_sid, membership_sid, created_at)
SELECT v.tenant_id, v.phone_number, v.twilio_sid, 'trust_product', r.trust_product_sid, NULL, r.created_at
  FROM voice_trust_numbers v
  JOIN voice_trust_registrations r ON r.id = v.registration_id
  JOIN phone_numbers n ON n.tenant_id = v.tenant_id AND n.twilio_sid = v.twilio_sid AND n.status IN ('active', 'releasing')
 WHERE v.on_trust_product AND v.detached_at IS NULL AND r.trust_product_sid IS NOT NULL
ON CONFLICT DO NOTHING;

-- Messaging Services: a registration's state names the numbers it attached to its service; the audit trail has
-- every number our activities added to or removed from a service (single actions and rotations included).
-- The latest word on each (service, number) wins, so a number since taken out stays out; services deleted
-- (a cancelled registration's) hold nothing.
WITH writes AS (
  SELECT r.tenant_id, r.state->'sids'->>'messagingService' AS service_sid, n.twilio_sid, 'POST' AS method, r.created_at AS at
    FROM a2p_registrations r
    CROSS JOIN LATERAL jsonb_array_elements_text(
      CASE WHEN jsonb_typeof(r.state->'numbers'->'attached') = 'array' THEN r.state->'numbers'->'attached' ELSE '[]'::jsonb END
    ) AS attached(phone_number)
    JOIN phone_numbers n ON n.tenant_id = r.tenant_id AND n.phone_number = attached.phone_number
                        AND n.status IN ('active', 'releasing') AND n.twilio_sid IS NOT NULL
   WHERE r.state->'sids'->>'messagingService' IS NOT NULL AND r.status <> 'cancelled'
  UNION ALL
  SELECT a.tenant_id, substring(a.summary->>'path' from 'Services/(MG[0-9a-fA-F]{32})'), a.resource_sid, split_part(a.action, ' ', 1), a.created_at
    FROM audit_events a
   WHERE a.action IN ('POST Services/PhoneNumbers', 'DELETE Services/PhoneNumbers') AND a.resource_sid IS NOT NULL
), latest AS (
  SELECT DISTINCT ON (tenant_id, service_sid, twilio_sid) tenant_id, service_sid, twilio_sid, method
    FROM writes WHERE service_sid IS NOT NULL
   ORDER BY tenant_id, service_sid, twilio_sid, at DESC
)
INSERT INTO number_memberships (tenant_id, phone_number, twilio_sid, kind, container_sid, membership_sid)
SELECT l.tenant_id, n.phone_number, l.twilio_sid, 'messaging_service', l.service_sid, l.twilio_sid
  FROM latest l
  JOIN phone_numbers n ON n.tenant_id = l.tenant_id AND n.twilio_sid = l.twilio_sid AND n.status IN ('active', 'releasing')
 WHERE l.method = 'POST'
   AND NOT EXISTS (SELECT 1 FROM audit_events d WHERE d.tenant_id = l.tenant_id AND d.action = 'DELETE Services' AND d.resource_sid = l.service_sid)
ON CONFLICT DO NOTHING;
