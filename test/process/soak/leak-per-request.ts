// A deliberate per-request leak, loaded into the soak's broker process with --import: every
// 'data' event (each chunk of a gRPC request or response the brokers read, on the streams of their
// servers and of their replica fetchers) keeps 1 KiB of heap forever. The soak test runs once with
// it to show that its heap check catches a leak of that kind.
import { EventEmitter } from 'node:events';

const kept: string[] = [];
const emit = EventEmitter.prototype.emit;
EventEmitter.prototype.emit = function leakingEmit(this: EventEmitter, type: string | symbol, ...args: unknown[]): boolean {
  if (type === 'data') kept.push(`${kept.length}:${'x'.repeat(1024)}`);
  return emit.call(this, type, ...args);
};
