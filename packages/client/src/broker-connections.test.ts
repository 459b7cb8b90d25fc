import { once } from 'node:events';
import { createServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BrokerConnections, CLIENT_RECEIVE_WINDOW_BYTES } from './broker-connections.ts';

describe('BrokerConnections', () => {
  it('offers brokers a CLIENT_RECEIVE_WINDOW_BYTES receive window per stream and per connection, not HTTP/2’s 64 KiB', async () => {
    // A plain HTTP/2 server in the broker's place reads the client's SETTINGS and WINDOW_UPDATE.
    const server = createServer();
    const sessions: ServerHttp2Session[] = [];
    server.on('session', (s) => sessions.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const connections = new BrokerConnections();
    try {
      const { log } = connections.get(`127.0.0.1:${(server.address() as AddressInfo).port}`);
      log.getChannel().getConnectivityState(true); // connect now, without a call
      if (sessions.length === 0) await once(server, 'session');
      const session = sessions[0]!;
      if (session.remoteSettings.initialWindowSize === 65_535) await once(session, 'remoteSettings');
      expect(session.remoteSettings.initialWindowSize).toBe(CLIENT_RECEIVE_WINDOW_BYTES);
      for (let i = 0; i < 20 && session.state.remoteWindowSize !== CLIENT_RECEIVE_WINDOW_BYTES; i++) {
        await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
      }
      expect(session.state.remoteWindowSize).toBe(CLIENT_RECEIVE_WINDOW_BYTES);
    } finally {
      connections.close();
      for (const s of sessions) s.destroy();
      server.close();
    }
  });
});
