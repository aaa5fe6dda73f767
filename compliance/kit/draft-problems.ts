import type { z } from 'zod';

/** One problem of a draft as a form shows it: the field's path, a stable code, and a sentence. */
export interface DraftProblem {
  field: string;
  code: string;
  message: string;
}

/**
 * A schema issue of a draft (A2P registration, toll-free verification) as a person reads it: `required` for a
 * missing field, `too_short` with the minimum, the allowed values for an enum — never the validator's internal
 * code. Every code is in compliance/a2p/preflight-codes.ts; one form handles every product's drafts.
 */
export function schemaProblems(issue: z.core.$ZodIssue, input: unknown): DraftProblem[] {
  const at = (path: PropertyKey[]) => path.map(String).join('.') || '(draft)';
  const field = at(issue.path);
  const value = valueAt(input, issue.path);
  const i = issue as z.core.$ZodIssue & { minimum?: number | bigint; maximum?: number | bigint; origin?: string; values?: unknown[]; keys?: string[]; expected?: string; format?: string; options?: unknown[] };
  const unit = i.origin === 'string' ? ' characters' : i.origin === 'array' ? ' items' : '';
  const counted = i.origin === 'array' || i.origin === 'string';
  const problem = (code: string, message: string): DraftProblem[] => [{ field, code, message }];
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? problem('required', 'required') : problem('wrong_type', `must be ${i.expected === 'array' ? 'a list' : `a ${i.expected}`}`);
    case 'too_small':
      return problem(i.origin === 'array' ? 'too_few' : 'too_short', counted ? `must have at least ${i.minimum}${unit}` : `must be at least ${i.minimum}`);
    case 'too_big':
      return problem(i.origin === 'array' ? 'too_many' : 'too_long', counted ? `must have at most ${i.maximum}${unit}` : `must be at most ${i.maximum}`);
    case 'invalid_value':
      return problem('not_allowed', `must be one of: ${(i.values ?? []).map(String).join(', ')}`);
    case 'invalid_format':
      return problem('invalid_format', /^Invalid/.test(issue.message) ? `must be a valid ${i.format ?? 'value'}` : issue.message);
    case 'invalid_union':
      // No such variant (an A2P brand type): the draft's shape depends on it, so nothing else can be checked.
      return value === undefined ? problem('required', 'required') : problem('not_allowed', `must be one of: ${(i.options ?? []).map(String).join(', ')}`);
    case 'unrecognized_keys':
      return (i.keys ?? []).map((k) => ({ field: at([...issue.path, k]), code: 'unknown_field', message: 'is not a field of the draft' }));
    default:
      return problem('invalid', issue.message);
  }
}

export const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);

/** The draft without the strings and lists that failed their size check (copied along their paths only): no rule's work grows with them. */
export function withinBounds(input: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const oversized = issues.filter((i) => i.code === 'too_big' && (i.origin === 'string' || i.origin === 'array'));
  return oversized.reduce((draft, issue) => without(draft, issue.path), input);
}

function without(value: unknown, path: readonly PropertyKey[]): unknown {
  if (path.length === 0) return undefined;
  if (!value || typeof value !== 'object') return value;
  const [key, ...rest] = path as [PropertyKey, ...PropertyKey[]];
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<PropertyKey, unknown>;
  copy[key] = without(copy[key], rest);
  return copy;
}
