import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { getA2pResource, listA2pResources } from '../../db/a2p/resources';
import {
  AssignNumbersBody,
  BrandSid,
  BrandView,
  BundleSid,
  BusinessProfileView,
  CampaignSid,
  CampaignView,
  CreateBusinessProfileBody,
  CreateCampaignBody,
  NumbersOutcomeView,
  RegisterBrandBody,
} from '../../schemas/a2p/actions';
import { ErrorBody, IdempotencyKey, PageQuery, pageOf } from '../../schemas/kit/common';
import { tenantPrefix } from '../../schemas/kit/workflow-ids';
import {
  a2pAssignNumbers,
  a2pCreateBusinessProfile,
  a2pCreateCampaignAction,
  a2pRefreshStatus,
  a2pRegisterBrandAction,
  a2pSubmitBusinessProfile,
} from '../../workflows/index';
import type { ApiDeps } from '../kit/deps';
import { idempotencyKeyOf, isRepeat } from '../kit/idempotency';
import { feesFromConfig } from '../../compliance/platform/prices';
import { checkBudget } from '../platform/costs';
import { HttpError, notFound } from '../kit/errors';
import { PENDING, runShortWorkflow } from '../kit/workflow-runner';

const Pending = z.object({ status: z.literal('pending'), message: z.string() });
const Headers = z.object({ 'idempotency-key': IdempotencyKey.optional() });
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/**
 * The seed's single A2P actions, each a short workflow over the registration's activities, for teams
 * that drive the chain step by step. Every SID in a request must be the tenant's own (404 otherwise).
 */
export const a2pActionRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const fees = feesFromConfig(deps.config);
  const run = <W extends (...a: any[]) => Promise<any>>(w: W, id: string, args: Parameters<W>) => runShortWorkflow(deps.temporal, deps.runner, w, id, args);
  const actionId = (tenantId: string, action: string, key: string) => `${tenantPrefix(tenantId)}/a2p-${action}-${key}`;
  const pending = (reply: FastifyReply, what: string, poll: string) =>
    reply.code(202).send({ status: 'pending' as const, message: `${what} is still running; it will complete — poll ${poll}` });
  const owned = async <K extends 'profiles' | 'brands' | 'campaigns'>(kind: K, tenantId: string, sid: string, what: string) => {
    const found = await getA2pResource(deps.db, kind, tenantId, sid);
    if (!found) throw notFound(what);
    return found;
  };

  r.post(
    '/a2p/business-profiles',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['a2p actions'],
        summary: 'create_business_profile: create a secondary customer profile or an A2P trust product (draft)',
        description: 'Creates the Trust Hub bundle with its end users, address and assignments; nothing is submitted or charged. Repeat with the same Idempotency-Key to get the same bundle.',
        headers: Headers,
        body: CreateBusinessProfileBody,
        response: { 201: BusinessProfileView, 202: Pending, ...errors },
      },
    },
    async (req, reply) => {
      const key = await idempotencyKeyOf(deps.db, req, 'a2p.business-profiles');
      const b = req.body;
      if (b.kind === 'a2p_trust_product') {
        const profile = await owned('profiles', req.tenant.id, b.customerProfileSid, 'customer profile');
        if (profile.kind !== 'customer_profile') throw new HttpError(400, 'invalid_request', 'customerProfileSid: must be a customer profile, not a trust product', { fields: [{ field: 'customerProfileSid', message: 'must be a customer profile' }] });
      }
      const input = b.kind === 'customer_profile'
        ? { kind: b.kind, tenantId: req.tenant.id, key, draft: { profile: b.profile, business: b.business, address: { ...b.address, customerName: b.address.customerName ?? b.business.name }, authorizedRepresentatives: b.authorizedRepresentatives } }
        : { kind: b.kind, tenantId: req.tenant.id, key, customerProfileSid: b.customerProfileSid, draft: { profile: b.profile, company: { ...b.company, brandContactEmail: b.company.brandContactEmail ?? b.profile.email } } };
      const result = await run(a2pCreateBusinessProfile, actionId(req.tenant.id, 'profile', key), [input]);
      if (result === PENDING) return pending(reply, 'creating the profile', 'GET /v1/a2p/business-profiles');
      return reply.code(201).send(await owned('profiles', req.tenant.id, result.sid, 'profile'));
    },
  );

  r.get(
    '/a2p/business-profiles',
    { config: { scope: 'read' }, schema: { tags: ['a2p actions'], summary: 'list_business_profiles: the tenant’s customer profiles and trust products, newest first', querystring: PageQuery, response: { 200: pageOf(BusinessProfileView) } } },
    async (req) => listA2pResources(deps.db, 'profiles', req.tenant.id, req.query),
  );

  /** Reads the status from Twilio through a short workflow; when Twilio is slow, answers with the last known one. */
  async function refreshed<K extends 'profiles' | 'brands' | 'campaigns'>(kind: K, tenantId: string, sid: string, what: string) {
    const current = await owned(kind, tenantId, sid, what);
    const c = current as { kind?: 'customer_profile' | 'trust_product'; messagingServiceSid?: string | null };
    const review = kind === 'profiles' ? c.kind! : kind === 'brands' ? 'brand' : 'campaign';
    // One read of a resource at a time: a request while one is in flight joins it.
    const result = await run(a2pRefreshStatus, actionId(tenantId, 'status', sid), [
      { kind: review, sid, serviceSid: c.messagingServiceSid ?? undefined },
    ]);
    return result === PENDING ? current : owned(kind, tenantId, sid, what);
  }

  r.get(
    '/a2p/business-profiles/:sid',
    {
      config: { scope: 'read' },
      schema: { tags: ['a2p actions'], summary: 'A profile’s current status, read from Twilio', params: z.object({ sid: BundleSid }), response: { 200: BusinessProfileView, ...errors } },
    },
    async (req) => refreshed('profiles', req.tenant.id, req.params.sid, 'profile'),
  );

  r.post(
    '/a2p/business-profiles/:sid/submit',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['a2p actions'],
        summary: 'submit_business_profile: evaluate the bundle and submit it for Twilio’s review',
        description: 'A noncompliant evaluation answers 400 with what is missing; a bundle already submitted or approved is left as it is.',
        params: z.object({ sid: BundleSid }),
        response: { 200: BusinessProfileView, 202: Pending, ...errors },
      },
    },
    async (req, reply) => {
      const profile = await owned('profiles', req.tenant.id, req.params.sid, 'profile');
      const result = await run(a2pSubmitBusinessProfile, actionId(req.tenant.id, 'submit', `${profile.sid}-${randomUUID()}`), [{ kind: profile.kind, sid: profile.sid }]);
      if (result === PENDING) return pending(reply, 'the submission', 'GET /v1/a2p/business-profiles');
      return owned('profiles', req.tenant.id, profile.sid, 'profile');
    },
  );

  r.post(
    '/a2p/brands',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['a2p actions'],
        summary: 'register_brand: register a brand with TCR (charges the brand fee)',
        description: 'Both bundles must be twilio-approved (Twilio answers 21717 otherwise). Low-volume standard = STANDARD with SkipAutomaticSecVet. Repeating the request never registers a second brand for the same profile.',
        headers: Headers,
        body: RegisterBrandBody,
        response: { 201: BrandView, 202: Pending, 402: ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      if (!(await isRepeat(deps.db, req, 'a2p.brands'))) {
        const lowVolume = req.body.brandType === 'low_volume_standard';
        await checkBudget(deps.db, req.tenant.id, fees.brand + (lowVolume ? 0 : fees.secondaryVetting), fees.numberMonthly, 'registering this brand');
      }
      const key = await idempotencyKeyOf(deps.db, req, 'a2p.brands');
      const profile = await owned('profiles', req.tenant.id, req.body.customerProfileSid, 'customer profile');
      const product = await owned('profiles', req.tenant.id, req.body.trustProductSid, 'trust product');
      if (profile.kind !== 'customer_profile' || product.kind !== 'trust_product') {
        throw new HttpError(400, 'invalid_request', 'customerProfileSid must be a customer profile and trustProductSid an A2P trust product');
      }
      const result = await run(a2pRegisterBrandAction, actionId(req.tenant.id, 'brand', key), [
        { tenantId: req.tenant.id, key, customerProfileSid: profile.sid, trustProductSid: product.sid, lowVolume: req.body.brandType === 'low_volume_standard' },
      ]);
      if (result === PENDING) return pending(reply, 'the brand registration', 'GET /v1/a2p/brands');
      return reply.code(201).send(await owned('brands', req.tenant.id, result.sid, 'brand'));
    },
  );

  r.get(
    '/a2p/brands',
    { config: { scope: 'read' }, schema: { tags: ['a2p actions'], summary: 'list_brands: the tenant’s brand registrations, newest first', querystring: PageQuery, response: { 200: pageOf(BrandView) } } },
    async (req) => listA2pResources(deps.db, 'brands', req.tenant.id, req.query),
  );

  r.get(
    '/a2p/brands/:sid',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['a2p actions'],
        summary: 'get_brand_status: the brand’s current status, read from Twilio, with failure reasons',
        params: z.object({ sid: BrandSid }),
        response: { 200: BrandView, ...errors },
      },
    },
    async (req) => refreshed('brands', req.tenant.id, req.params.sid, 'brand'),
  );

  r.post(
    '/a2p/campaigns',
    {
      config: { scope: 'spend' },
      schema: {
        tags: ['a2p actions'],
        summary: 'create_campaign: create a Messaging Service and register a campaign for an approved brand (charges the vetting fee)',
        description: 'The use case is checked against what Twilio allows the brand first (400 use_case_not_allowed otherwise).',
        headers: Headers,
        body: CreateCampaignBody,
        response: { 201: CampaignView, 202: Pending, 402: ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      if (!(await isRepeat(deps.db, req, 'a2p.campaigns'))) {
        const monthly = req.body.campaign.usecase === 'LOW_VOLUME' ? fees.lowVolumeCampaignMonthly : fees.campaignMonthly;
        await checkBudget(deps.db, req.tenant.id, fees.campaignVetting + monthly, fees.numberMonthly, 'registering this campaign');
      }
      const key = await idempotencyKeyOf(deps.db, req, 'a2p.campaigns');
      await owned('brands', req.tenant.id, req.body.brandSid, 'brand');
      const result = await run(a2pCreateCampaignAction, actionId(req.tenant.id, 'campaign', key), [
        { tenantId: req.tenant.id, key, brandSid: req.body.brandSid, friendlyName: req.body.friendlyName, campaign: req.body.campaign },
      ]);
      if (result === PENDING) return pending(reply, 'the campaign registration', 'GET /v1/a2p/campaigns');
      return reply.code(201).send(await owned('campaigns', req.tenant.id, result.sid, 'campaign'));
    },
  );

  r.get(
    '/a2p/campaigns',
    { config: { scope: 'read' }, schema: { tags: ['a2p actions'], summary: 'The tenant’s campaigns, newest first', querystring: PageQuery, response: { 200: pageOf(CampaignView) } } },
    async (req) => listA2pResources(deps.db, 'campaigns', req.tenant.id, req.query),
  );

  r.get(
    '/a2p/campaigns/:sid',
    {
      config: { scope: 'read' },
      schema: { tags: ['a2p actions'], summary: 'A campaign’s current status, read from Twilio', params: z.object({ sid: CampaignSid }), response: { 200: CampaignView, ...errors } },
    },
    async (req) => refreshed('campaigns', req.tenant.id, req.params.sid, 'campaign'),
  );

  r.post(
    '/a2p/campaigns/:sid/phone-numbers',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['a2p actions'],
        summary: 'assign_number_to_campaign: add the tenant’s numbers to the campaign’s Messaging Service',
        description: 'Each number is attached or refused with the reason (not the tenant’s, or already in another Messaging Service: Twilio 21712). Numbers already attached count as attached.',
        params: z.object({ sid: CampaignSid }),
        body: AssignNumbersBody,
        response: { 200: NumbersOutcomeView, 202: Pending, ...errors },
      },
    },
    async (req, reply) => {
      const campaign = await owned('campaigns', req.tenant.id, req.params.sid, 'campaign');
      if (!campaign.messagingServiceSid) throw new HttpError(400, 'invalid_request', 'the campaign has no Messaging Service');
      const result = await run(a2pAssignNumbers, actionId(req.tenant.id, 'numbers', `${campaign.sid}-${randomUUID()}`), [
        { tenantId: req.tenant.id, serviceSid: campaign.messagingServiceSid, phoneNumbers: req.body.phoneNumbers },
      ]);
      if (result === PENDING) return pending(reply, 'attaching the numbers', `GET /v1/a2p/campaigns/${campaign.sid}`);
      return result;
    },
  );
};
