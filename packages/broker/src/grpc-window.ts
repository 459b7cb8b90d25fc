import type { EventEmitter } from 'node:events';
import type { ServerHttp2Session } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/** The grpc-js server fields this reaches into (grpc-js 1.14; `grpc-window.test.ts` fails if they go). */
interface GrpcServerInternals {
  commonServerOptions?: { settings?: Record<string, unknown> };
  http2Servers?: Map<EventEmitter, unknown>;
}

/**
 * Gives a grpc-js server an HTTP/2 receive window of `bytes` per stream and per connection.
 * grpc-js has a channel option for its clients' window (`grpc-node.flow_control_window`) but none
 * for its server, which so keeps HTTP/2's 64 KiB. Call it after the constructor (the stream
 * window, as the SETTINGS the server sends) and again after bindAsync (the connection window of
 * each new session). Throws when the grpc-js internals it relies on are missing.
 */
export function widenServerReceiveWindow(server: grpc.Server, bytes: number, phase: 'constructed' | 'bound'): void {
  const internals = server as unknown as GrpcServerInternals;
  if (phase === 'constructed') {
    const common = internals.commonServerOptions;
    if (common === undefined) throw new Error('grpc-js Server has no commonServerOptions: cannot set the HTTP/2 receive window');
    common.settings = { ...common.settings, initialWindowSize: bytes };
    return;
  }
  const servers = internals.http2Servers;
  if (servers === undefined) throw new Error('grpc-js Server has no http2Servers: cannot set the HTTP/2 connection window');
  for (const h2 of servers.keys()) {
    h2.on('session', (session: ServerHttp2Session) => {
      // Before the session's own SETTINGS are acknowledged the window cannot be set.
      session.once('localSettings', () => {
        if (!session.destroyed) session.setLocalWindowSize(bytes);
      });
    });
  }
}
