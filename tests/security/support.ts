/** Raw HTTP for the attack tests: any Host/Origin, any local address (127.0.0.x stands for "another client"). */
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Source address, e.g. 127.0.0.2 for a second loopback client. */
  localAddress?: string;
  timeoutMs?: number;
}

/** One request on its own connection; resolves with the whole answer. */
export function rawRequest(url: string, options: RawRequest = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.localAddress,
        agent: false,
        timeout: options.timeoutMs ?? 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `POST /api/ui/invoke/<channel>` as the dashboard would send it, with extra headers. */
export async function invoke(base: string, channel: string, args: unknown[], headers: Record<string, string> = {}): Promise<RawResponse & { json: unknown }> {
  const r = await rawRequest(`${base}/api/ui/invoke/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(args),
  });
  let json: unknown = null;
  try {
    json = JSON.parse(r.body);
  } catch {
    // not JSON (an error page)
  }
  return { ...r, json };
}
