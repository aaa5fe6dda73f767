import { useEffect, useState } from 'react';

/** "3 days left", "5 hours left", "12 minutes left" or "no time left": the coarsest unit that is at least one. */
export function timeLeftText(untilMs: number, nowMs: number): string {
  const ms = untilMs - nowMs;
  if (ms <= 0) return 'no time left';
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} left`;
  }
  return 'less than a minute left';
}

/** A countdown to an ISO time, refreshed every minute; the exact time is in `dateTime` and the tooltip. */
export function TimeLeft({ until }: { until: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(t);
  }, []);
  const at = new Date(until);
  return (
    <time dateTime={until} title={at.toLocaleString()}>
      {timeLeftText(at.getTime(), now)}
    </time>
  );
}
