import { useEffect, useState } from 'react';

/**
 * `value` once it has stopped changing for `ms`: what a form sends as the user types (a preflight check), so a
 * request goes out per pause rather than per keystroke. Until then, the value it last settled on.
 */
export function useDebouncedValue<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
