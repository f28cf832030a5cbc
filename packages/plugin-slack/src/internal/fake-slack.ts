import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake does with one request. */
export type FakeBehaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'api-error'; readonly error: string };

/** A request the fake received. */
export interface FakeRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  /** `performance.now()` when it arrived. */
  readonly at: number;
}

/**
 * A local HTTP server on 127.0.0.1 that answers like Slack: `ok` for webhooks
 * (`/services/...`), `{ ok: true }` for `chat.postMessage`, and on demand 429
 * with `Retry-After`, 5xx, `ok:false`, or no answer at all. Behaviours are
 * used in order; when none is left it answers ok.
 */
export async function startFakeSlack(behaviours: FakeBehaviour[] = []) {
  const requests: FakeRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
        at: performance.now(),
      });
      const behaviour = behaviours.shift() ?? { kind: 'ok' };
      const isApi = req.url?.startsWith('/api/') ?? false;
      if (behaviour.kind === 'hang') {
        hanging.push(res);
        return;
      }
      if (behaviour.kind === 'status') {
        if (behaviour.retryAfter !== undefined) res.setHeader('retry-after', behaviour.retryAfter);
        res.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end('rate_limited');
        return;
      }
      if (behaviour.kind === 'api-error') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error: behaviour.error }));
        return;
      }
      if (isApi) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    webhookUrl: `http://127.0.0.1:${port}/services/T000/B000/SECRETwebhookPART`,
    apiUrl: `http://127.0.0.1:${port}/api`,
    texts: () => requests.map((r) => String(r.body.text)),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
