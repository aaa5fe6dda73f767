import cors from '@fastify/cors';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Payload } from '@temporalio/common';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isSealed, PayloadEncryptionCodec } from '../../config/temporal-payload-codec';
import type { ApiDeps } from '../kit/deps';
import { HttpError } from '../kit/errors';

/**
 * Temporal's codec-server protocol (what the Temporal UI and `temporal --codec-endpoint` call): POST
 * /v1/codec/decode and /v1/codec/encode with `{"payloads": [{"metadata": {k: base64}, "data": base64}]}`.
 * It opens what the service sealed, so only admin keys of the operator's tenant (TEMPORAL_CODEC_TENANT) may
 * call it: any other tenant's admin holding a ciphertext would otherwise read every tenant's drafts.
 * Not in the OpenAPI document: it is Temporal's protocol for operators, not part of the product's API.
 */
export const CODEC_PREFIX = '/v1/codec';
/** The UI decodes a page of history per call; Temporal's own payload limit is 2 MiB. */
export const CODEC_BODY_LIMIT = 8 * 1024 * 1024;
const MAX_PAYLOADS = 1000;
const MAX_METADATA_ENTRIES = 32;

const base64 = (maxLength: number) => z.string().max(maxLength).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const JsonPayload = z.object({
  metadata: z
    .record(z.string().max(256), base64(64 * 1024))
    .refine((m) => Object.keys(m).length <= MAX_METADATA_ENTRIES, `at most ${MAX_METADATA_ENTRIES} entries`)
    .optional(),
  data: base64(CODEC_BODY_LIMIT).optional(),
});
type JsonPayload = z.infer<typeof JsonPayload>;
const CodecBody = z.object({ payloads: z.array(JsonPayload).max(MAX_PAYLOADS) });

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** The app's API-key authentication (api/kit/plugins/auth.ts, as /v1 has it), applied to this scope. */
type CodecDeps = ApiDeps & { authenticate: (scope: FastifyInstance) => void };

export const temporalCodecRoutes: FastifyPluginAsync<CodecDeps> = async (app, deps) => {
  const codec = PayloadEncryptionCodec.fromConfig(deps.config);
  // First, so a browser's preflight (which carries no Authorization) is answered before auth refuses it.
  await app.register(cors, {
    origin: deps.config.TEMPORAL_UI_URL ? [new URL(deps.config.TEMPORAL_UI_URL).origin] : false,
    methods: ['POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-namespace'],
    credentials: true,
    maxAge: 600,
    strictPreflight: false,
  });
  deps.authenticate(app);
  app.addHook('onRequest', async (req) => {
    if (!deps.config.TEMPORAL_CODEC_TENANT || req.tenant.name !== deps.config.TEMPORAL_CODEC_TENANT) {
      throw new HttpError(403, 'forbidden', 'the codec endpoint is for the admin keys of the tenant named by TEMPORAL_CODEC_TENANT');
    }
  });
  const r = app.withTypeProvider<ZodTypeProvider>();
  const options = { config: { scope: 'admin' as const }, bodyLimit: CODEC_BODY_LIMIT, schema: { hide: true, body: CodecBody } };

  r.post('/decode', options, async (req) => {
    const fields: { field: string; message: string }[] = [];
    const payloads = req.body.payloads.map((p, i) => {
      const payload = fromJson(p);
      if (!isSealed(payload)) return p; // written in clear: nothing to open
      try {
        return toJson(codec.open(payload));
      } catch (err) {
        fields.push({ field: `payloads.${i}`, message: (err as Error).message });
        return p;
      }
    });
    if (fields.length) throw new HttpError(400, 'invalid_request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
    req.log.info({ event: 'codec.decode', payloads: payloads.length }, 'payloads decoded for an operator');
    return { payloads };
  });

  r.post('/encode', options, async (req) => ({ payloads: (await codec.encode(req.body.payloads.map(fromJson))).map(toJson) }));
};
