-- The hygiene passes and an owned-numbers bulk lookup page through a tenant's live numbers in number order
-- (`tenant_id = $1 AND status = 'active' AND phone_number > $cursor ORDER BY phone_number LIMIT n`): with this
-- index each page is a short range scan, not a walk over every tenant's numbers.
CREATE INDEX phone_numbers_live_by_tenant ON phone_numbers (tenant_id, phone_number) WHERE status = 'active';
