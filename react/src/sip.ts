import { useQuery, useQueryClient } from '@tanstack/react-query';
import { isTrunkSettled, TwilioProError, type QueryOf, type RequestBody, type Trunk, type TrunkChange, type TrunkRequest } from '@twilio-pro/client';
import { useCall, useHookState } from './calls.js';
import { useTwilioProClient } from './context.js';
import { queryKeys } from './keys.js';

export type OriginationUriConfig = Omit<RequestBody<'/v1/sip/trunks/{trunkSid}/origination-uris', 'post'>, 'sipUrl'>;

/**
 * The seed's SIP trunking calls. Changes run as durable sagas at the API; each call here resolves once its
 * change is live at Twilio, with the trunk as it then is (so `await createTrunk(...)` has the TK SID and the
 * next call can follow at once), and rejects with the saga's error if it failed and was rolled back.
 * `useTrunk` shows a change while it runs.
 */
export function useTwilioSIPTrunking() {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const changed = (trunkSid?: string) => () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: queryKeys.trunks().slice(0, 2) }),
      trunkSid ? qc.invalidateQueries({ queryKey: queryKeys.trunk(trunkSid) }) : null,
    ]);

  /** The trunk once no change is in flight; the saga's error if the change failed. */
  const settled = async (ref: string): Promise<Trunk> => {
    const trunk = await client.waitFor({ trunk: ref }, { intervalMs: 250, maxIntervalMs: 2000 });
    const op = trunk.operation;
    if (op && (op.status === 'failed' || op.status === 'rolled_back')) {
      throw new TwilioProError({
        status: 0,
        code: 'trunk_change_failed',
        message: `${op.kind} failed at ${op.error?.step ?? op.step ?? 'a step'}: ${op.error?.message ?? 'see the trunk’s operation'}${op.status === 'rolled_back' ? ' (rolled back)' : ''}`,
        twilio: op.error?.twilio ?? null,
      });
    }
    return trunk;
  };

  const [createTrunk, create] = useCall('sip', 'createTrunk', async (config: TrunkRequest) => settled((await client.trunks.create(config)).id), changed());
  const [listTrunks, list] = useCall('sip', 'listTrunks', async (): Promise<Trunk[]> => {
    const all: Trunk[] = [];
    for await (const t of client.trunks.iterate()) all.push(t);
    return all;
  });
  const [getTrunkDetails, details] = useCall('sip', 'getTrunkDetails', (trunkSid: string) => client.trunks.get(trunkSid));
  const [deleteTrunk, remove] = useCall('sip', 'deleteTrunk', async (trunkSid: string) => {
    await client.trunks.delete(trunkSid);
    const trunk = await settled(trunkSid);
    await changed(trunkSid)();
    return trunk;
  });
  const [addOriginationUri, addUri] = useCall('sip', 'addOriginationUri', async (trunkSid: string, sipAddress: string, config: OriginationUriConfig = {}) => {
    await client.trunks.addOriginationUri(trunkSid, { sipUrl: sipAddress, ...config });
    const trunk = await settled(trunkSid);
    await changed(trunkSid)();
    return trunk;
  });
  const [addPhoneNumber, addNumber] = useCall('sip', 'addPhoneNumber', async (trunkSid: string, phoneNumberSid: string) => {
    await client.trunks.addPhoneNumbers(trunkSid, { phoneNumbers: [phoneNumberSid] });
    const trunk = await settled(trunkSid);
    await changed(trunkSid)();
    return trunk;
  });
  const [listPhoneNumbers, listNumbers] = useCall('sip', 'listPhoneNumbers', async (trunkSid: string) => (await client.trunks.listPhoneNumbers(trunkSid)).data);
  const [configureTrunk, configure] = useCall('sip', 'configureTrunk', async (trunkSid: string, config: TrunkChange) => {
    await client.trunks.configure(trunkSid, config);
    const trunk = await settled(trunkSid);
    await changed(trunkSid)();
    return trunk;
  });

  const state = useHookState('sip', {
    createTrunk: create,
    listTrunks: list,
    getTrunkDetails: details,
    deleteTrunk: remove,
    addOriginationUri: addUri,
    addPhoneNumber: addNumber,
    listPhoneNumbers: listNumbers,
    configureTrunk: configure,
  });
  return { createTrunk, listTrunks, getTrunkDetails, deleteTrunk, addOriginationUri, addPhoneNumber, listPhoneNumbers, configureTrunk, ...state };
}

/** One trunk with its health findings, re-read every `intervalMs` (default 1 s) while a change is in flight. */
export function useTrunk(trunkSid: string | null | undefined, opts: { intervalMs?: number } = {}) {
  const client = useTwilioProClient();
  const q = useQuery<Trunk, TwilioProError>({
    queryKey: queryKeys.trunk(trunkSid ?? ''),
    queryFn: ({ signal }) => client.trunks.get(trunkSid!, {}, { signal }),
    enabled: !!trunkSid,
    refetchInterval: (query) => (query.state.data && isTrunkSettled(query.state.data) ? false : (opts.intervalMs ?? 1000)),
  });
  return {
    trunk: q.data ?? null,
    health: q.data?.health ?? [],
    operation: q.data?.operation ?? null,
    isSettled: q.data ? isTrunkSettled(q.data) : false,
    isLoading: q.isLoading,
    error: q.error ?? null,
    refetch: q.refetch,
  };
}

/** The tenant's trunks, one page, newest first. */
export function useTrunks(query: QueryOf<'/v1/sip/trunks', 'get'> = {}, opts: { intervalMs?: number | false } = {}) {
  const client = useTwilioProClient();
  return useQuery({ queryKey: queryKeys.trunks(query), queryFn: ({ signal }) => client.trunks.list(query, { signal }), refetchInterval: opts.intervalMs ?? false });
}
