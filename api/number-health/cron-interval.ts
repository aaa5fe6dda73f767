/**
 * The shortest gap, in minutes, between two firings of a five-field cron (minute hour dom month dow), judged
 * from its minute field alone: one minute value fires at most hourly; several fire as often as their
 * closest pair (cyclically, across the hour). Enough to hold hygiene passes to a minimum interval without
 * a cron library: any hour field only spaces firings further apart.
 */
export function shortestCronGapMinutes(cron: string): number {
  const minutes = expandField(cron.trim().split(/\s+/)[0] ?? '*', 0, 59);
  if (minutes.length <= 1) return 60;
  let gap = 60 - minutes[minutes.length - 1]! + minutes[0]!;
  for (let i = 1; i < minutes.length; i++) gap = Math.min(gap, minutes[i]! - minutes[i - 1]!);
  return gap;
}

/** The sorted values a cron field names within [min, max] (`*`, `a`, `a-b`, any of them `/step`, comma lists). */
function expandField(field: string, min: number, max: number): number[] {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '*', stepText] = part.split('/');
    const step = Math.max(1, Number(stepText ?? 1) || 1);
    const [from, to] = range === '*' ? [min, max] : range.split('-').map(Number) as [number, number?];
    const last = to ?? (stepText ? max : from);
    for (let v = from; v <= Math.min(last, max); v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}
