import type { ReactNode } from 'react';
import { useKeyScopes, type Scope } from '../session';

/**
 * Shows what needs a scope only to a key that has it; to any other, a line saying what it would take
 * (the API would refuse with 403 anyway — this spares the user a form that can only fail).
 */
export function Scoped({ scope, what, quiet = false, children = null }: { scope: Scope; what: string; quiet?: boolean; children?: ReactNode }) {
  const { key, can } = useKeyScopes();
  if (can(scope)) return <>{children}</>;
  if (quiet || !key) return null;
  return (
    <p className="hint">
      {what} needs an API key with the <code>{scope}</code> scope.
    </p>
  );
}

/** The signed-in key in the top bar: which one, and what it may do. */
export function KeyBadge() {
  const { key } = useKeyScopes();
  if (!key) return null;
  return (
    <p className="key-badge">
      Key <code>{key.prefix}…</code>
      {key.name ? ` ${key.name}` : ''} · {key.scopes.join(', ')}
      {key.expiresAt ? ` · expires ${new Date(key.expiresAt).toLocaleDateString()}` : ''}
    </p>
  );
}
