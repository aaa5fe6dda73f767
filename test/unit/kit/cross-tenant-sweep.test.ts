import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../dev/openapi-document';
import { differences, idsIn } from '../../fuzz/cross-tenant-state';
import { keyedOperations, type Doc } from '../../fuzz/cross-tenant';

/** The pieces the fuzz run's cross-tenant write sweep (test/fuzz/cross-tenant.ts) decides with. */
describe('keyedOperations', () => {
  it("finds the API's POSTs that take an Idempotency-Key header and those that take idempotencyKey in the body", async () => {
    const keyed = keyedOperations((await openApiDocument()) as unknown as Doc);
    expect(keyed).toEqual(expect.arrayContaining(['POST /v1/numbers', 'POST /v1/sip/trunks', 'POST /v1/a2p/business-profiles', 'POST /v1/jobs/bulk-buy', 'POST /v1/jobs/bulk-lookup']));
    expect(keyed).not.toContain('POST /v1/a2p/preflight');
    expect(keyed).not.toContain('POST /v1/jobs/{jobId}/cancel');
    // Keyed, but the operator's: no tenant key reaches it.
    expect(keyed).not.toContain('POST /v1/operator/tenants');
  });

  it('follows $refs and unions to the body field, and reads the header name in any case', () => {
    const doc: Doc = {
      paths: {
        '/v1/a': { post: { requestBody: { content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/A' }] } } } } } },
        '/v1/b': { put: { parameters: [{ in: 'header', name: 'Idempotency-Key' }] } },
        '/v1/c': { post: { parameters: [{ in: 'query', name: 'idempotency-key' }], requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/C' } } } } } },
      },
      components: { schemas: { A: { allOf: [{ properties: { idempotencyKey: {} } }] }, C: { properties: { key: {} } } } },
    };
    expect(keyedOperations(doc)).toEqual(['POST /v1/a', 'PUT /v1/b']);
  });
});

describe('differences', () => {
  it('names the path of each change, and nothing when equal', () => {
    const before = { '/v1/sip/trunks': { data: [{ id: 't1', status: 'active', phoneNumbers: ['PN1'] }] } };
    expect(differences(before, structuredClone(before))).toEqual([]);
    const after = { '/v1/sip/trunks': { data: [{ id: 't1', status: 'deleting', phoneNumbers: ['PN1', 'PN2'] }] } };
    expect(differences(before, after)).toEqual([
      '["/v1/sip/trunks"]["data"].0["status"]: "active" → "deleting"',
      '["/v1/sip/trunks"]["data"].0["phoneNumbers"].1: undefined → "PN2"',
    ]);
  });
});

describe('idsIn', () => {
  it("finds UUIDs, SIDs and delivery ids anywhere in a value, but not the account's or a policy's SID", () => {
    const sid = `TK${'a1'.repeat(16)}`;
    const text = JSON.stringify({
      message: `trunk ${sid} of job 6f1c2d3e-0000-4000-8000-00000000abcd`,
      delivery: `msg_${'0f'.repeat(16)}`,
      account: `AC${'0'.repeat(32)}`,
      policy: `RN${'1'.repeat(32)}`,
    });
    expect([...idsIn(text)].sort()).toEqual(['6f1c2d3e-0000-4000-8000-00000000abcd', sid, `msg_${'0f'.repeat(16)}`].sort());
  });
});
