import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { bindingOf, type TwilioBinding } from '../../db/platform/twilio-bindings';
import { AccountView } from '../../schemas/platform/account';
import type { ApiDeps } from '../kit/deps';

/** A binding as the API shows it: `shared` names the deployment's account; never a credential. */
function bindingView(binding: TwilioBinding, deploymentAccountSid: string): z.infer<typeof AccountView>['binding'] {
  const reason = binding.statusReason;
  return {
    kind: binding.kind,
    accountSid: binding.accountSid ?? deploymentAccountSid,
    status: binding.status,
    statusReason:
      reason && binding.statusChangedAt ? { code: reason.code ?? null, message: reason.message, at: binding.statusChangedAt.toISOString() } : null,
  };
}

/** The tenant itself: who it is and which Twilio account its work runs under (issue #24). */
export const accountRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/account',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['account'],
        summary: 'The tenant and the Twilio account its work runs under',
        description:
          'Today every tenant is `shared`: its work runs under the deployment’s Twilio account. ' +
          'A tenant with its own account (`subaccount`, `byo`) sees that account and whether Twilio still accepts its credentials.',
        response: { 200: AccountView },
      },
    },
    async (req) => ({
      tenant: { id: req.tenant.id, name: req.tenant.name },
      binding: bindingView(await bindingOf(deps.db, req.tenant.id), deps.config.TWILIO_ACCOUNT_SID),
    }),
  );
};
