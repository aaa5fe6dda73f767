import type { Db } from '../../db/kit/pool';

/** The pool, failing the first statement that contains `match` (as a connection lost mid-activity would). */
export function failingOnce(pool: Db, match: string): Db {
  let armed = true;
  const guarded = (target: { query: (...a: unknown[]) => unknown }) => (text: unknown, ...rest: unknown[]) => {
    if (armed && typeof text === 'string' && text.includes(match)) {
      armed = false;
      return Promise.reject(new Error('connection lost'));
    }
    return target.query(text, ...rest);
  };
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === 'query') return guarded(t as never);
        if (prop === 'connect' && t === (pool as object)) return async () => wrap(await pool.connect());
        const value = Reflect.get(t, prop, t) as unknown;
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  return wrap(pool);
}
