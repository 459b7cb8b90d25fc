import { createServer } from 'node:net';

/**
 * Resolves with the first of `ports` on `host` that cannot be listened on right now (with the
 * error code, usually EADDRINUSE), or undefined when all are free. Each probe closes at once, so a
 * server started right after can take the port; it lets a command refuse a taken port with one
 * line before it creates anything on disk.
 */
export async function firstUnavailablePort(host: string, ports: readonly number[]): Promise<{ port: number; code: string } | undefined> {
  for (const port of ports) {
    const code = await new Promise<string | undefined>((resolve) => {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
    });
    if (code !== undefined) return { port, code };
  }
  return undefined;
}
