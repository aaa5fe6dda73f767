import { createHash } from 'node:crypto';

/** An available number before anyone buys it. */
export interface InventoryNumber {
  phoneNumber: string;
  nationalNumber: string;
  region: string;
  locality: string;
  rateCenter: string;
  postalCode: string;
  lata: string;
  latitude: number;
  longitude: number;
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean };
  tollFree: boolean;
}

/** A few real area codes, so results look like Twilio's; others get a generic place. */
const places: Record<string, [region: string, locality: string, lat: number, lon: number, postal: string]> = {
  '212': ['NY', 'New York', 40.71, -74.0, '10001'],
  '213': ['CA', 'Los Angeles', 34.05, -118.24, '90012'],
  '305': ['FL', 'Miami', 25.76, -80.19, '33101'],
  '312': ['IL', 'Chicago', 41.88, -87.63, '60601'],
  '415': ['CA', 'San Francisco', 37.77, -122.42, '94103'],
  '503': ['OR', 'Portland', 45.52, -122.68, '97201'],
  '602': ['AZ', 'Phoenix', 33.45, -112.07, '85001'],
  '617': ['MA', 'Boston', 42.36, -71.06, '02108'],
  '628': ['CA', 'San Francisco', 37.77, -122.42, '94103'],
  '646': ['NY', 'New York', 40.71, -74.0, '10001'],
  '718': ['NY', 'Brooklyn', 40.68, -73.94, '11201'],
  '808': ['HI', 'Hilo', 19.72, -155.09, '96720'],
};
const fallbackRegions = ['TX', 'OH', 'GA', 'NC', 'MI', 'WA', 'CO', 'TN', 'MN', 'MO'];
export const tollFreePrefixes = ['800', '833', '844', '855', '866', '877', '888'];

/** A small deterministic generator (xorshift32) seeded from a string. */
function rng(seed: string) {
  let x = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

export const DEFAULT_NUMBERS_PER_AREA_CODE = 2000;

/**
 * Numbers of one area code (or toll-free prefix), generated from the seed: the same seed gives the
 * same inventory in the same order. Most numbers have every capability; a deterministic minority
 * lacks MMS or SMS so capability filters mean something. Lane 0 is the configured account's
 * inventory; other lanes (accounts created through the control API) draw from their own sequence,
 * and `accept` turns away numbers already offered to another account.
 */
export function generateAreaCode(
  seed: number,
  areaCode: string,
  count: number,
  lane = 0,
  accept: (phoneNumber: string) => boolean = () => true,
): InventoryNumber[] {
  const next = rng(lane === 0 ? `${seed}:${areaCode}` : `${seed}:${areaCode}:lane${lane}`);
  const tollFree = tollFreePrefixes.includes(areaCode);
  const place = places[areaCode] ?? [fallbackRegions[Number(areaCode) % fallbackRegions.length]!, `Area ${areaCode}`, 39.0, -95.0, '66000'];
  const seen = new Set<string>();
  const out: InventoryNumber[] = [];
  while (out.length < count && seen.size < 8_000_000) {
    const exchange = 200 + Math.floor(next() * 800);
    const line = Math.floor(next() * 10_000);
    const national = `${areaCode}${exchange}${String(line).padStart(4, '0')}`;
    if (seen.has(national)) continue;
    seen.add(national);
    if (!accept(`+1${national}`)) continue;
    const r = next();
    out.push({
      phoneNumber: `+1${national}`,
      nationalNumber: national,
      region: tollFree ? '' : place[0],
      locality: tollFree ? '' : place[1],
      rateCenter: tollFree ? '' : place[1].toUpperCase().replace(/\s+/g, ' '),
      postalCode: tollFree ? '' : place[4],
      lata: tollFree ? '' : String(100 + (Number(areaCode) % 900)),
      latitude: place[2],
      longitude: place[3],
      capabilities: { voice: true, sms: r >= 0.05, mms: r >= 0.15, fax: r >= 0.9 },
      tollFree,
    });
  }
  return out;
}

/** Keypad letters, as Twilio's Contains accepts "STORE" style vanity patterns. */
const keypad: Record<string, string> = {
  A: '2', B: '2', C: '2', D: '3', E: '3', F: '3', G: '4', H: '4', I: '4', J: '5', K: '5', L: '5',
  M: '6', N: '6', O: '6', P: '7', Q: '7', R: '7', S: '7', T: '8', U: '8', V: '8', W: '9', X: '9', Y: '9', Z: '9',
};

/** Twilio's Contains: digits and letters, `*` matches one digit; matched anywhere in the national number. */
export function containsMatcher(pattern: string): (national: string) => boolean {
  const source = [...pattern.toUpperCase()]
    .map((ch) => (ch === '*' ? '\\d' : /\d/.test(ch) ? ch : keypad[ch] ?? ''))
    .join('');
  const re = new RegExp(source);
  return (n) => re.test(n);
}
