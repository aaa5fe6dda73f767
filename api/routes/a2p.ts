import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync } from 'fastify';
import { feesFromConfig } from '../../compliance/fees';
import { preflight } from '../../compliance/preflight';
import { PreflightResult } from '../../schemas/a2p';
import type { ApiDeps } from '../app';

/** US A2P 10DLC registration. */
export const a2pRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const fees = feesFromConfig(deps.config);
  app.withTypeProvider<ZodTypeProvider>().post(
    '/a2p/preflight',
    {
      schema: {
        tags: ['a2p'],
        summary: 'Check a registration draft before any fee is spent',
        description:
          'Returns every missing or invalid field (with its path and a reason), the common TCR rejection causes found in the draft, and the cost estimate. Touches nothing at Twilio.',
        body: z.record(z.string(), z.unknown()).describe('A registration draft (see RegistrationDraft)'),
        response: { 200: PreflightResult },
      },
    },
    async (req) => preflight(req.body, fees),
  );
};
