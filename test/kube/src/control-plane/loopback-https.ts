import { request } from 'node:https';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Cannot pick a free loopback port: the listener has no address'));
      });
    });
  });
}

/** Options of {@link httpsGetOk}. */
export interface HttpsGetOptions {
  /** PEM bundle to trust; when absent the certificate is not verified (health probes only). */
  readonly ca?: string;
  readonly token?: string;
}

/**
 * GET over HTTPS that resolves to whether the answer was 200 with body `ok`. Used for component
 * health endpoints (`/readyz`, `/healthz`), whose certificates are self-signed.
 */
export function httpsGetOk(url: string, options: HttpsGetOptions = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'GET',
        timeout: 2_000,
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'ok'));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
