// The broker's HTTP/2 receive windows, read off the wire by a plain node:http2 client against a
// broker process. grpc-js gives its server no option for them; `widenServerReceiveWindow` reaches
// into grpc-js, and this fails if that stops working (a grpc-js upgrade), which would bring back
// a 64 KiB window and halve produce throughput (grpc-limits.ts, RECEIVE_WINDOW_BYTES).
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECEIVE_WINDOW_BYTES } from '@runnel/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from './broker/broker-process.ts';

let dir: string;
let broker: BrokerProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runnel-h2-windows-'));
  broker = await startBrokerProcess({ brokers: 1, dataDir: dir });
});

afterAll(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the broker’s HTTP/2 receive windows', () => {
  it('lets a client send RECEIVE_WINDOW_BYTES on a stream and on the connection before any WINDOW_UPDATE it has to wait for', async () => {
    const session: ClientHttp2Session = connect(`http://${broker.bootstrap}`);
    try {
      await once(session, 'remoteSettings');
      expect(session.remoteSettings.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
      // The connection window arrives as a WINDOW_UPDATE once the server has our SETTINGS
      // acknowledgement; ping round trips until it has (the default stays 65,535 if it never comes).
      for (let i = 0; i < 20 && session.state.remoteWindowSize !== RECEIVE_WINDOW_BYTES; i++) {
        await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
      }
      expect(session.state.remoteWindowSize).toBe(RECEIVE_WINDOW_BYTES);
    } finally {
      session.on('error', () => undefined);
      session.close();
    }
  });
});
