import { expect, it } from 'vitest';
import { shortestCronGapMinutes } from '../../../api/number-health/cron-interval';

it.each([
  ['0 6 * * *', 60],
  ['15 * * * *', 60],
  ['* * * * *', 1],
  ['*/5 * * * *', 5],
  ['0,30 * * * *', 30],
  ['0,59 * * * *', 1],
  ['10-12 3 * * 1', 1],
  ['5/20 * * * *', 20],
  ['0 7 * * 1', 60],
])('%s fires at most every %i minutes', (cron, gap) => {
  expect(shortestCronGapMinutes(cron)).toBe(gap);
});
