import { DEFAULT_NUMBERS_PER_AREA_CODE, generateAreaCode, type InventoryNumber } from './inventory';

export interface Account {
  sid: string;
  authToken: string;
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

/**
 * Everything the sandbox remembers. One inventory is shared by all accounts, as on Twilio:
 * a number one account owns is not available to any other.
 */
export class SandboxState {
  readonly accounts = new Map<string, Account>();
  /** Owned numbers by SID. */
  readonly numbers = new Map<string, OwnedNumber>();
  /** E.164 → SID of the owning IncomingPhoneNumber. */
  readonly ownedByPhone = new Map<string, string>();
  private readonly resetHooks: (() => void)[] = [];
  private readonly inventory = new Map<string, InventoryNumber[]>();
  private readonly inventorySize = new Map<string, number>();

  constructor(readonly seed: number) {}

  setInventorySize(areaCode: string, count: number) {
    this.inventorySize.set(areaCode, count);
    this.inventory.delete(areaCode);
  }

  /** All numbers of an area code, owned or not, generated on first use. */
  areaCode(code: string): InventoryNumber[] {
    let list = this.inventory.get(code);
    if (!list) {
      list = generateAreaCode(this.seed, code, this.inventorySize.get(code) ?? DEFAULT_NUMBERS_PER_AREA_CODE);
      this.inventory.set(code, list);
    }
    return list;
  }

  /** The inventory entry for a number, if the sandbox's inventory has it. */
  lookup(phoneNumber: string): InventoryNumber | undefined {
    const m = /^\+1(\d{3})\d{7}$/.exec(phoneNumber);
    if (!m) return undefined;
    return this.areaCode(m[1]!).find((n) => n.phoneNumber === phoneNumber);
  }

  isAvailable(phoneNumber: string) {
    return !this.ownedByPhone.has(phoneNumber);
  }

  /** Products with state of their own register here to be cleared by the control API's reset. */
  onReset(fn: () => void) {
    this.resetHooks.push(fn);
  }

  reset() {
    for (const fn of this.resetHooks) fn();
    this.numbers.clear();
    this.ownedByPhone.clear();
    this.inventory.clear();
    this.inventorySize.clear();
  }
}
