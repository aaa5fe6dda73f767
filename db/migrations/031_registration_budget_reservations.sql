-- A registration reserves its estimated cost against the tenant's monthly budget from the moment it is
-- accepted until it finishes: what it has not yet been charged counts as committed, as a bulk buy's
-- numbers still to buy do, so two registrations that fit the budget only one at a time can't both start.
ALTER TABLE a2p_registrations ADD COLUMN budget_reserved_usd numeric(12, 2);
CREATE INDEX cost_ledger_registration ON cost_ledger (registration_id) WHERE registration_id IS NOT NULL;
