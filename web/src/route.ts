import { useCallback, useSyncExternalStore } from 'react';

/** Where the console is, kept in the URL's hash (#a2p/new, #sip/<id>) so reloads and links land in the same place. */
export function useRoute(): [string[], (path: string) => void] {
  const hash = useSyncExternalStore(
    (l) => {
      window.addEventListener('hashchange', l);
      return () => window.removeEventListener('hashchange', l);
    },
    () => window.location.hash,
  );
  const go = useCallback((path: string) => {
    window.location.hash = path;
  }, []);
  return [hash.replace(/^#\/?/, '').split('/').filter(Boolean), go];
}
