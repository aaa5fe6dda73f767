import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { bindAccount, bindingOf, numbersHeldAtTwilio, type TwilioBinding } from '../../db/platform/twilio-bindings';
import { SecretBox } from '../../db/platform/secrets';
import { AccountCredentialsBody, AccountView } from '../../schemas/platform/account';
import { ErrorBody } from '../../schemas/kit/common';
import type { ApiDeps } from '../kit/deps';
import { HttpError } from '../kit/errors';
import { checkCredentialsAtTwilio, credentialOf } from './account-credentials';
import { auditChange } from './control-plane-audit';

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

  const box = SecretBox.fromConfig(deps.config, 'twilio-credential');
  r.put(
    '/account/credentials',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['account'],
        summary: 'Run the tenant’s work under its own Twilio account (`byo`), or give that account new credentials',
        description:
          'The account’s SID with its auth token, or with an API key’s SID and secret. They are checked at Twilio first (one read: the account, and the primary customer profile when given): ' +
          'credentials Twilio refuses are a 400 naming the field, with Twilio’s code under `error.twilio`; nothing is kept. ' +
          'Kept sealed, never returned, logged or put in a workflow. New credentials for the same account resume work paused on refused ones (`credentials_invalid`). ' +
          'Moving to another account is refused with 409 tenant_has_numbers while the tenant holds numbers (Twilio moves numbers only within one account’s family), ' +
          'and a `subaccount` tenant’s credentials are the operator’s (409 binding_managed).',
        body: AccountCredentialsBody,
        response: { 200: AccountView, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const body = req.body;
      const current = await bindingOf(deps.db, req.tenant.id);
      if (current.kind === 'subaccount') throw new HttpError(409, 'binding_managed', 'this tenant runs in a subaccount the operator manages: its credentials are not the tenant’s to set');
      if (current.accountSid !== body.accountSid && (await numbersHeldAtTwilio(deps.db, req.tenant.id)) > 0) {
        throw new HttpError(409, 'tenant_has_numbers', 'the tenant holds numbers in its current account: release them before moving to another account');
      }
      await checkCredentialsAtTwilio(deps.config, body);
      const binding = await bindAccount(deps.db, box, req.tenant.id, {
        kind: 'byo',
        accountSid: body.accountSid,
        credential: credentialOf(body),
        primaryProfileSid: body.primaryCustomerProfileSid ?? null,
      }).catch((err: { code?: string; constraint?: string }) => {
        // One tenant per account: a callback's AccountSid must name exactly one tenant.
        if (err.code === '23505' && err.constraint === 'tenant_twilio_bindings_account') throw new HttpError(409, 'account_already_bound', 'accountSid: another tenant runs under this account');
        throw err;
      });
      await auditChange(deps.db, req, 'account.credentials_set', 200, {
        accountSid: body.accountSid,
        credentialKind: credentialOf(body).kind,
        apiKeySid: body.apiKeySid ?? null,
        primaryCustomerProfileSid: body.primaryCustomerProfileSid ?? null,
      });
      return { tenant: { id: req.tenant.id, name: req.tenant.name }, binding: bindingView(binding, deps.config.TWILIO_ACCOUNT_SID) };
    },
  );
};
