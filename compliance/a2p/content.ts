/**
 * What reviewers look for in message content: phone numbers, links, public link shorteners, and the
 * content carriers prohibit or restrict on 10DLC. Pure functions over text.
 */

/** North-American numbers as people write them: +14155550100, +1 415 555 0100, (415) 555-0100, 415.555.0100, 1-415-555-0100. */
const phone = /(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)/;
/** Other countries' numbers in E.164 (+ and 8–15 digits, spaces allowed between groups). */
const internationalE164 = /(?<![\w+])\+[2-9](?:[\s.-]?\d){7,14}(?!\d)/;

export const containsPhoneNumber = (text: string) => phone.test(text) || internationalE164.test(text);

/*
 * Every pattern here runs on text a client chose, so each runs in time linear in the text (test/unit/
 * linear-regexes.test.ts audits them with recheck): a run of [\w.+-] characters is entered at its start only
 * (the lookbehinds), never again from each of its characters, which made `b-b-b-…` quadratic.
 */
const emails = /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/**
 * A host name: the first word character of a run of [\w-] and the rest of the run (leading hyphens are not part
 * of it). Written as `-*` then `\w` — disjoint — rather than `-*\b[\w-]+`, where both parts could take the same
 * hyphens: recheck rightly calls that polynomial.
 */
const host = String.raw`(?<![\w-])-*\w[\w-]*`;
/** A URL, or a bare host with a path or a well-known TLD (acme.co/book, www.acme.com); e-mail addresses are not links. */
const links = [
  /\bhttps?:\/\/\S/i,
  /\bwww\.[\w-]+\.[\w-]/i,
  new RegExp(String.raw`${host}\.[a-z]{2,24}\/`, 'i'),
  new RegExp(String.raw`${host}\.(?:com|net|org|io|co|us|ly|app|info|biz|me|gl|gd|at|cc|to|link|site|online|shop|store)\b`, 'i'),
];

export const containsLink = (text: string) => {
  const withoutEmails = text.replace(emails, ' ');
  return links.some((link) => link.test(withoutEmails));
};

/** Public shorteners: anyone can point them anywhere, so carriers filter them. A branded short domain is fine. */
const publicShorteners = [
  'bit.ly', 'bitly.com', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'v.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at',
  'tiny.cc', 'rb.gy', 't.ly', 's.id', 'lnkd.in', 'bl.ink', 'short.io', 'soo.gd', 'clck.ru', 'qr.ae', 'adf.ly', 'shorte.st', 'tiny.one', 'surl.li',
];
const shortener = new RegExp(`(?<![\\w.-])(https?:\\/\\/)?(www\\.)?(${publicShorteners.map((d) => d.replace(/\./g, '\\.')).join('|')})(\\/|\\b)`, 'i');

/** The public shortener a text uses, if any. */
export const publicShortenerIn = (text: string): string | undefined => shortener.exec(text.replace(emails, ' '))?.[3]?.toLowerCase();

/** The patterns above, for the audit that proves each linear. */
export const contentPatterns: RegExp[] = [emails, ...links, shortener, phone, internationalE164];

export type ContentVerdict = 'prohibited' | 'age_gated' | 'restricted';
export interface ContentCategory {
  code: string;
  label: string;
  verdict: ContentVerdict;
  words: RegExp;
  why: string;
}

/**
 * SHAFT-C and the other categories carriers refuse or restrict on 10DLC. Prohibited content fails;
 * alcohol, firearms and tobacco pass only with an age gate; lending, collection and lead generation are
 * flagged for the ISV to confirm the exact use.
 */
export const contentCategories: ContentCategory[] = [
  { code: 'sex', label: 'sexual content', verdict: 'prohibited', words: /\b(sexy|porn\w*|xxx|nudes?|escorts?|adult (content|entertainment|videos?|toys?)|onlyfans|hook-?ups?)\b/i, why: 'carriers prohibit sexual content on 10DLC (the S of SHAFT)' },
  { code: 'hate', label: 'hate speech', verdict: 'prohibited', words: /\b(hate (speech|group)|white power|racial slurs?|supremac(y|ist))\b/i, why: 'carriers prohibit hate speech (the H of SHAFT)' },
  { code: 'cannabis', label: 'cannabis', verdict: 'prohibited', words: /\b(cannabis|marijuana|thc|cbd|dispensar(y|ies)|pre-?rolls?)\b/i, why: 'cannabis and CBD are federally illegal and refused on 10DLC (the C of SHAFT-C)' },
  { code: 'alcohol', label: 'alcohol', verdict: 'age_gated', words: /\b(alcohol\w*|beers?|wines?|liquors?|vodka|whiske?y|tequila|cocktails?|brewer(y|ies)|happy hour)\b/i, why: 'alcohol (the A of SHAFT) needs an age gate' },
  { code: 'firearms', label: 'firearms', verdict: 'age_gated', words: /\b(firearms?|guns?|rifles?|pistols?|handguns?|ammo|ammunition|shotguns?|gun shows?)\b/i, why: 'firearms (the F of SHAFT) need an age gate' },
  { code: 'tobacco', label: 'tobacco', verdict: 'age_gated', words: /\b(tobacco|cigarettes?|cigars?|vap(e|es|ing)|e-?cig\w*|nicotine|hookah|juul)\b/i, why: 'tobacco and vaping (the T of SHAFT) need an age gate' },
  { code: 'third_party_lending', label: 'third-party lending', verdict: 'prohibited', words: /\b(payday loans?|cash advances?|loan offers?|pre-?approved (for )?(a )?loan|get a loan|instant loans?|credit repair|debt (relief|consolidation|forgiveness))\b/i, why: 'third-party lending, credit repair and debt relief are refused on 10DLC (a direct lender declares directLending)' },
  { code: 'debt_collection', label: 'debt collection', verdict: 'restricted', words: /\b(debt collect\w*|collections? agency|past[- ]due (balance|account|debt)|overdue debt|collect (a|the|your) debt)\b/i, why: 'debt collection is only allowed for first-party collection with explicit consent' },
  { code: 'lead_generation', label: 'affiliate and lead-generation marketing', verdict: 'prohibited', words: /\b(lead[- ]gen\w*|affiliate (offers?|marketing|links?|program)|sell(ing)? (your|the) (data|leads)|partners? (will|may) (contact|text|call) you|third[- ]part(y|ies) (offers|marketing))\b/i, why: 'affiliate marketing and lead generation (messages on behalf of third parties) are refused on 10DLC' },
];

export const contentIn = (text: string): ContentCategory[] => contentCategories.filter((c) => c.words.test(text));

/** Names reserved for documentation and testing (RFC 2606, 6761) or never routed publicly. */
export function isReservedHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const tld = h.split('.').pop() ?? '';
  return (
    h === 'localhost' ||
    ['test', 'invalid', 'example', 'localhost', 'local', 'internal', 'lan', 'home', 'corp'].includes(tld) ||
    /(^|\.)example\.(com|net|org)$/.test(h)
  );
}
