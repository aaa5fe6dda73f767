import { z } from 'zod';

/** `POST /__sandbox/failures`: make the next `times` matching Twilio requests fail definitively. */
export const FailureRuleInput = z
  .object({
    /** HTTP method, any case; `*` (the default) matches every method. */
    method: z.string().min(1).default('*'),
    /** A glob over the URL path without the query: `*` = any characters but `/`, `**` = any characters. */
    path: z.string().startsWith('/'),
    status: z.number().int().min(400).max(599),
    code: z.number().int(),
    message: z.string().default('Injected failure'),
    times: z.number().int().min(1).default(1),
  })
  .strict();
export type FailureRuleInput = z.infer<typeof FailureRuleInput>;

export interface FailureRule extends FailureRuleInput {
  remaining: number;
  matcher: RegExp;
}

/** Turns a path glob into an anchored RegExp; everything but `*` and `**` is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Pending definitive failures, consumed first-come in the order they were added. */
export class FailureRules {
  private rules: FailureRule[] = [];

  add(input: FailureRuleInput): FailureRule {
    const rule = { ...input, method: input.method.toUpperCase(), remaining: input.times, matcher: globToRegExp(input.path) };
    this.rules.push(rule);
    return rule;
  }

  /** The first pending rule matching the request, with one use taken off it; undefined when none matches. */
  take(method: string, url: string): FailureRule | undefined {
    const path = url.split('?')[0]!;
    const rule = this.rules.find((r) => (r.method === '*' || r.method === method.toUpperCase()) && r.matcher.test(path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  list() {
    return this.rules.map(({ matcher: _matcher, ...visible }) => visible);
  }

  clear() {
    this.rules = [];
  }
}
