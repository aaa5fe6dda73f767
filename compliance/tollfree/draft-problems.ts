import type { z } from 'zod';
import type { TollfreeProblem } from '../../schemas/tollfree/verification';
import { schemaProblems, valueAt } from '../kit/draft-problems';

/**
 * A schema issue of a toll-free draft as a person reads it, with A2P preflight's codes. A missing field is
 * `required` whatever the schema expected of it (a type, one of some values, …): a form half filled in shows
 * what is left to fill, not what a value would have to be.
 */
export function draftProblems(issue: z.core.$ZodIssue, input: unknown): TollfreeProblem[] {
  const missing = valueAt(input, issue.path) === undefined && issue.code !== 'unrecognized_keys';
  const problems = missing ? [{ field: issue.path.map(String).join('.') || '(draft)', code: 'required', message: 'required' }] : schemaProblems(issue, input);
  return problems.map((p) => ({ ...p, twilioCode: null }));
}
