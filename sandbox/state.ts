import { DEFAULT_NUMBERS_PER_AREA_CODE, generateAreaCode, type InventoryNumber } from './inventory';

export interface Account {
  sid: string;
  authToken: string;
  /** Twilio 2010 Accounts: a subaccount's parent (none for a top-level account), its name, status and dates. */
  ownerAccountSid?: string;
  friendlyName?: string;
  status?: 'active' | 'suspended' | 'closed';
  dateCreated?: Date;
  dateUpdated?: Date;
  /** Accounts v1: the secondary auth token while a rotation is under way (both verify), promoted to authToken. */
  secondaryAuthToken?: string;
  /** Accounts v1 / 2010 Keys: API keys (SK…) whose secret authenticates as this account. */
  keys?: Map<string, { secret: string; friendlyName: string; dateCreated: Date; dateUpdated: Date }>;
}

/** An IncomingPhoneNumber as the sandbox stores it (serialised to Twilio's shape on the way out). */
export interface OwnedNumber {
  sid: string;
  accountSid: string;
  inventory: InventoryNumber;
  friendlyName: string;
  dateCreated: Date;
  dateUpdated: Date;
  config: Record<string, string | boolean | null>;
}

/** One account's inventory: its lane of the generator, the area codes generated so far and their sizes. */
interface InventoryLane {
  index: number;
  lists: Map<string, InventoryNumber[]>;
  sizes: Map<string, number>;
}

/**
 * Everything the sandbox remembers. Ownership is global, as on Twilio: a number one account owns
 * is not available to any other. Each account is offered numbers from its own inventory lane, and
 * no number is ever offered to two accounts (a project's database may hold a number once across
 * all its tenants); the configured account's lane is the generator's plain sequence.
 */
export class SandboxState {
  readonly accounts = new Map<string, Account>();
  /** Owned numbers by SID. */
  readonly numbers = new Map<string, OwnedNumber>();
  /** E.164 → SID of the owning IncomingPhoneNumber. */
  readonly ownedByPhone = new Map<string, string>();
  private readonly resetHooks: (() => void)[] = [];
  private readonly lanes = new Map<string, InventoryLane>();
  /** E.164 → the account whose inventory offered it; kept until the global reset. */
  private readonly offeredTo = new Map<string, string>();
  private nextLane = 1;
  /** Numbers taken from their account by a scoped reset: never offered or sold again (until the global reset). */
  private readonly retired = new Set<string>();
  /** Twilio's default cap on one parent's subaccounts (21480 beyond it); a test may lower it in-process. */
  subaccountLimit = SUBACCOUNTS_PER_PARENT;
  /** When the sandbox started: the creation date shown for accounts that were configured, not created through the API. */
  readonly startedAt = new Date();

  /** `configuredAccount` keeps lane 0, today's inventory exactly (benchmarks, fuzz and chaos runs rely on it). */
  constructor(
    readonly seed: number,
    private readonly configuredAccount?: string,
  ) {}

  setInventorySize(areaCode: string, count: number, account: string) {
    const lane = this.lane(account);
    lane.sizes.set(areaCode, count);
    lane.lists.delete(areaCode);
  }

  /** Back to the default size for every area code of the account; what it was offered stays its own. */
  resetInventorySizes(account: string) {
    const lane = this.lane(account);
    lane.sizes.clear();
    lane.lists.clear();
  }

  /** All numbers of an area code in the account's inventory, owned or not, generated on first use. */
  areaCode(code: string, account: string): InventoryNumber[] {
    const lane = this.lane(account);
    let list = lane.lists.get(code);
    if (!list) {
      // The configured account's numbers are claimed first, so its inventory is the same whatever other accounts do.
      if (lane.index !== 0 && this.configuredAccount) this.areaCode(code, this.configuredAccount);
      const offeredElsewhere = (phone: string) => (this.offeredTo.get(phone) ?? account) !== account;
      list = generateAreaCode(this.seed, code, lane.sizes.get(code) ?? DEFAULT_NUMBERS_PER_AREA_CODE, lane.index, (phone) => !offeredElsewhere(phone));
      for (const n of list) this.offeredTo.set(n.phoneNumber, account);
      lane.lists.set(code, list);
    }
    return list;
  }

  /** The entry for a number in the account's inventory, if its inventory has it. */
  lookup(phoneNumber: string, account: string): InventoryNumber | undefined {
    const m = /^\+1(\d{3})\d{7}$/.exec(phoneNumber);
    if (!m) return undefined;
    return this.areaCode(m[1]!, account).find((n) => n.phoneNumber === phoneNumber);
  }

  isAvailable(phoneNumber: string) {
    return !this.ownedByPhone.has(phoneNumber) && !this.retired.has(phoneNumber);
  }

  /**
   * The account owns no number any more (a test slot's reset: the next file starts with none), and none of them
   * is ever offered again — a project's database may still hold them as live rows of an earlier file's tenant.
   */
  retireNumbersOf(account: string) {
    for (const [sid, n] of this.numbers) {
      if (n.accountSid !== account) continue;
      this.numbers.delete(sid);
      this.ownedByPhone.delete(n.inventory.phoneNumber);
      this.retired.add(n.inventory.phoneNumber);
    }
  }

  /** Products with state of their own register here to be cleared by the control API's reset. */
  onReset(fn: () => void) {
    this.resetHooks.push(fn);
  }

  reset() {
    for (const fn of this.resetHooks) fn();
    this.numbers.clear();
    this.ownedByPhone.clear();
    this.lanes.clear();
    this.offeredTo.clear();
    this.retired.clear();
  }

  private lane(account: string): InventoryLane {
    let lane = this.lanes.get(account);
    if (!lane) {
      lane = { index: account === this.configuredAccount ? 0 : this.nextLane++, lists: new Map(), sizes: new Map() };
      this.lanes.set(account, lane);
    }
    return lane;
  }
}

/** Twilio's default number of subaccounts one account may have. */
export const SUBACCOUNTS_PER_PARENT = 1000;

/** How a request authenticated: the account's primary or secondary auth token, or one of its API keys (SK…). */
export type CredentialKind = 'authToken' | 'secondaryAuthToken' | 'apiKey';

/** The user and password of an HTTP Basic `Authorization` header (the password may contain ':'). */
export function basicCredentials(header: string | undefined): [user?: string, pass?: string] {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return [];
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? [decoded] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/**
 * The account a Basic-auth pair authenticates as, and with what: `AC…` with its auth token or, during a
 * rotation, its secondary token (both verify until the promote), or `SK…` with the key's secret (the key's
 * account is the one whose `keys` holds it). Status is not checked here (see `statusOf`).
 */
export function authenticateCredential(state: SandboxState, user?: string, pass?: string): { account: Account; kind: CredentialKind } | undefined {
  if (!user || pass === undefined) return undefined;
  if (user.startsWith('SK')) {
    for (const account of state.accounts.values()) {
      const key = account.keys?.get(user);
      if (key) return key.secret === pass ? { account, kind: 'apiKey' } : undefined;
    }
    return undefined;
  }
  const account = state.accounts.get(user);
  if (!account) return undefined;
  if (account.authToken === pass) return { account, kind: 'authToken' };
  if (account.secondaryAuthToken !== undefined && account.secondaryAuthToken === pass) return { account, kind: 'secondaryAuthToken' };
  return undefined;
}

export const authenticate = (state: SandboxState, user?: string, pass?: string): Account | undefined => authenticateCredential(state, user, pass)?.account;

/** An account's subaccounts, in the order they were created. */
export const subaccountsOf = (state: SandboxState, parentSid: string): Account[] =>
  [...state.accounts.values()].filter((a) => a.ownerAccountSid === parentSid);

/** Whether `sid` is `rootSid` itself or one of its subaccounts (one hierarchy: subaccounts can't nest). */
export const inHierarchyOf = (state: SandboxState, sid: string, rootSid: string): boolean =>
  sid === rootSid || state.accounts.get(sid)?.ownerAccountSid === rootSid;

/**
 * Whether an account may act: closed is final; a suspended account, or a subaccount of a suspended (or closed)
 * parent, is suspended ("If your main Twilio account is ever suspended, your subaccounts will also be suspended").
 */
export function statusOf(state: SandboxState, account: Account): 'active' | 'suspended' | 'closed' {
  const own = account.status ?? 'active';
  if (own !== 'active') return own;
  const parent = account.ownerAccountSid ? state.accounts.get(account.ownerAccountSid) : undefined;
  return parent && statusOf(state, parent) !== 'active' ? 'suspended' : 'active';
}
