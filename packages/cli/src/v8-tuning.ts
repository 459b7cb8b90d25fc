/**
 * V8 settings for Runnel's own processes: every `runnel` command (brokers, `runnel local`, the
 * benches, the CLI tools) and the soak's cluster process. Set at startup with
 * `v8.setFlagsFromString`, so they apply however the process is started (the image's entrypoint,
 * `npm start`, a test) without node flags on its command line.
 *
 * `--external-memory-accounted-in-global-limit`: V8 starts a full mark-compact whenever about
 * 64 MB of memory outside its heap (Buffers) has been allocated since the last one, whatever the
 * heap's own size. A broker allocates a Buffer per produce request and grpc-js one per message
 * it frames, so at 130 MB/s of produce it marked its whole heap (about 45 MB live) every 0.4 s,
 * and on an RF 3 leader V8's marking threads took more CPU than its main thread. With this flag
 * Buffer memory counts toward V8's global limit instead, which grows with the live heap: no
 * mark-compact in a 10 s produce run at full rate (25 before), 40 % less broker CPU per record.
 * Buffers that die young are still freed by scavenges, so memory stays bounded
 * (`v8-tuning.test.ts`).
 */
import { setFlagsFromString } from 'node:v8';

/** The flags {@link tuneV8} sets. */
export const RUNTIME_V8_FLAGS: readonly string[] = ['--external-memory-accounted-in-global-limit'];

/** Applies {@link RUNTIME_V8_FLAGS} to this process. */
export function tuneV8(): void {
  for (const flag of RUNTIME_V8_FLAGS) setFlagsFromString(flag);
}
