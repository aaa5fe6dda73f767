import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { genericCnamReason } from '../../../schemas/voice-trust/cnam';
import { containsLink, containsPhoneNumber, contentCategories, contentIn, contentPatterns, isReservedHost, publicShortenerIn } from '../../../compliance/a2p/content';
import type { A2pFees } from '../../../compliance/platform/prices';
import { checkRules, preflight } from '../../../compliance/a2p/preflight';
import { tollfreePreflight, tollfreeRules } from '../../../compliance/tollfree/preflight';
import { openApiDocument } from '../../../dev/openapi-document';
import { repoRoot } from '../../../dev/processes';
import type { TollfreeDraft } from '../../../schemas/tollfree/verification';
import { goodDraft } from '../../fixtures/a2p-draft';
import { bBbDraft, fill, largestTollfreeDraft, MIB } from '../../fixtures/hostile-input';

/** Every regular-expression literal in the TypeScript under `dir`, with where it is. */
function regexLiterals(dir: string): { where: string; source: string; flags: string }[] {
  const found: { where: string; source: string; flags: string }[] = [];
  const files = (d: string): string[] =>
    readdirSync(d).flatMap((name) => {
      const p = path.join(d, name);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  for (const file of files(path.join(repoRoot, dir))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText(source);
        const end = text.lastIndexOf('/');
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push({ where: `${path.relative(repoRoot, file)}:${line + 1}`, source: text.slice(1, end), flags: text.slice(end + 1) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** Every `pattern` the OpenAPI document holds: the regexes zod checks request fields with, built ones included. */
async function schemaPatterns(): Promise<string[]> {
  const patterns = new Set<string>();
  JSON.stringify(await openApiDocument(), (key, value) => {
    if (key === 'pattern' && typeof value === 'string') patterns.add(value);
    return value;
  });
  return [...patterns];
}

describe('every regex that reads client input runs in linear time (recheck)', () => {
  it('the literals in compliance/, api/ and schemas/, the content patterns, and every schema pattern', async () => {
    const all = [
      ...['compliance', 'api', 'schemas'].flatMap(regexLiterals),
      ...[...contentPatterns, ...contentCategories.map((c) => c.words)].map((re, i) => ({ where: `compliance/a2p/content.ts pattern ${i}`, source: re.source, flags: re.flags })),
      ...(await schemaPatterns()).map((source) => ({ where: 'OpenAPI pattern', source, flags: '' })),
    ];
    expect(all.length).toBeGreaterThan(60);
    const seen = new Set<string>();
    const unsafe = all
      .filter(({ source, flags }) => !seen.has(`${flags}/${source}`) && seen.add(`${flags}/${source}`))
      .map((re) => ({ ...re, result: checkSync(re.source, re.flags.replace('g', ''), { timeout: 60_000, randomSeed: 1 }) }))
      .filter(({ result }) => result.status !== 'safe')
      .map(({ where, source, result }) => `${where} /${source}/: ${result.status}${result.status === 'vulnerable' ? ` (${result.complexity.type})` : ''}`);
    expect(unsafe).toEqual([]);
  }, 170_000);
});

/** Strings of 1 MiB shaped to make backtracking regexes quadratic: long runs each character of which starts a failing match. */
const hostile = {
  bDash: fill('b-', MIB),
  dottedAt: `${fill('a.', MIB)}@`,
  letters: `${fill('a', MIB)}!`,
  digits: fill('1', MIB),
  spaces: `Acme${fill(' ', MIB)}x`,
  brackets: fill('{[<', MIB),
};

describe('content rules on 1 MiB of hostile text: the right answer, in linear time', () => {
  it.each(Object.entries(hostile))('%s: no phone, link, shortener or prohibited content', (_name, text) => {
    expect(containsPhoneNumber(text)).toBe(false);
    expect(containsLink(text)).toBe(false);
    expect(publicShortenerIn(text)).toBeUndefined();
    expect(contentIn(text)).toEqual([]);
    expect(isReservedHost(text)).toBe(false);
    expect(genericCnamReason(text)).toBeNull();
  });

  it('still finds what follows the hostile run', () => {
    expect(containsLink(`${hostile.bDash} acme.com`)).toBe(true);
    expect(containsLink(`${fill('-', MIB)}a.co/book`)).toBe(true);
    expect(containsLink(`${fill('a.', MIB)}co/book`)).toBe(true);
    expect(containsLink(`${fill('a.', MIB)}a@acme.com`)).toBe(false); // an e-mail address is not a link
    expect(publicShortenerIn(`${hostile.bDash} bit.ly/x`)).toBe('bit.ly');
    expect(containsPhoneNumber(`${hostile.bDash} (415) 555-0100`)).toBe(true);
    expect(contentIn(`${hostile.bDash} cannabis`).map((c) => c.code)).toEqual(['cannabis']);
    expect(isReservedHost(`${fill('a.', MIB)}test`)).toBe(true);
    expect(genericCnamReason(`${fill(' ', MIB)}caller `)).not.toBeNull();
  });
});

describe('preflight rules on 1 MiB of hostile text', () => {
  it.each(Object.entries(hostile))('A2P rules, every text field %s: the problems the text has', (_name, text) => {
    const d = goodDraft();
    d.business.name = `Acme Dental${fill(' ', MIB)}LLC`; // the brand-suffix strip runs on a megabyte of spaces
    Object.assign(d.campaign, { description: text, messageFlow: text, messageSamples: [text, text], optInMessage: text, optOutMessage: text, helpMessage: text, hasEmbeddedLinks: true });
    const { problems } = checkRules(d);
    const codes = problems.map((p) => `${p.field}:${p.code}`);
    expect(codes).toContain('campaign.messageFlow:message_flow_no_consent');
    expect(codes).toContain('campaign.messageSamples.0:sample_missing_brand');
    expect(codes).toContain('campaign.messageSamples:samples_no_opt_out');
    expect(codes).toContain('campaign.hasEmbeddedLinks:embedded_links_mismatch');
    expect(codes.filter((c) => c.includes(':content_'))).toEqual([]);
  });

  it.each(Object.entries(hostile))('toll-free rules, summary and sample %s: the warnings the text earns', (_name, text) => {
    const d = { ...largestTollfreeDraft(), useCaseSummary: text, productionMessageSample: text, useCaseCategories: ['ACCOUNT_NOTIFICATIONS'] } as TollfreeDraft;
    // The rules alone: preflight itself reports a text over its limit as too_long and never lets a rule read it.
    const report = tollfreeRules(d);
    expect(report.problems).toEqual([]);
    expect(report.warnings.map((w) => w.code)).toEqual(['sample_names_business', 'sample_opt_out']);
    expect(tollfreePreflight(d).problems.map((p) => `${p.field}:${p.code}`)).toEqual(['useCaseSummary:too_long', 'productionMessageSample:too_long']);
  });
});

describe('A2P preflight checks lengths before content', () => {
  const fees: A2pFees = { brand: 4.5, secondaryVetting: 41, authPlus: 12.5, campaignVetting: 15, campaignMonthly: 10, lowVolumeCampaignMonthly: 1.5, soleProprietorCampaignMonthly: 2, numberMonthly: 1.15 };

  it('the probe’s 240 KB b-b-b draft: each oversized field is too_long, and no content rule reads it', () => {
    const r = preflight(bBbDraft(), fees);
    expect(r.problems.map((p) => `${p.field}:${p.code}`)).toEqual(['campaign.description:too_long', 'campaign.messageSamples.0:too_long', 'campaign.messageSamples.1:too_long']);
    expect(r.warnings).toEqual([]);
  });

  it('a sample over its limit is left out, and the samples after it keep their own index', () => {
    const d = goodDraft();
    d.campaign.messageSamples = [fill('Acme Dental b-', 2000), d.campaign.messageSamples[0]!, 'Your appointment is on [date]. Reply STOP to end.'];
    const codes = preflight(d, fees).problems.map((p) => `${p.field}:${p.code}`);
    expect(codes).toEqual(['campaign.messageSamples.0:too_long', 'campaign.messageSamples.2:sample_missing_brand']);
  });
});
