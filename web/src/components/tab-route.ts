/**
 * What a tab gets from the URL hash: `path` is what follows the tab's id (`#trust/tf/<id>` → ['tf', '<id>']),
 * `go('tf/<id>')` moves within the tab, `go()` back to its top.
 */
export interface TabRoute {
  path: string[];
  go: (path?: string) => void;
}
