/** A fetch that answers like the API from a routing table, recording each request: the hooks' unit tests. */
export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
}

type Handler = (req: Recorded) => { status?: number; body?: unknown; headers?: Record<string, string> } | Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }>;

export function fakeApi(routes: Record<string, Handler>) {
  const calls: Recorded[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    const text = await req.text();
    const rec: Recorded = {
      method: req.method,
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      body: text ? JSON.parse(text) : undefined,
      headers: Object.fromEntries(req.headers),
    };
    calls.push(rec);
    const route = Object.entries(routes).find(([k]) => matches(k, `${rec.method} ${rec.path}`));
    if (!route) return json(404, { error: { code: 'not_found', message: `no fake route for ${rec.method} ${rec.path}` } });
    const out = await route[1](rec);
    return json(out.status ?? 200, out.body ?? null, out.headers);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

/** "GET /v1/jobs/:id" matches "GET /v1/jobs/abc". */
function matches(pattern: string, actual: string) {
  const re = new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+') + '$');
  return re.test(actual);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}
