import { describe, expect, it } from 'vitest';
import { CorruptBatchError, ErrorCodes, RunnelError, isErrorCode } from './errors.ts';
import { fromWireError, toWireError } from './wire-error.ts';

describe('the error table', () => {
  it('has a gRPC status, a retriable flag and a description for every code', () => {
    for (const [code, info] of Object.entries(ErrorCodes)) {
      expect(isErrorCode(code)).toBe(true);
      expect(info.grpcStatus, code).toBeGreaterThan(0);
      expect(info.grpcStatus, code).toBeLessThanOrEqual(16);
      expect(info.description.length, code).toBeGreaterThan(10);
    }
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('NOPE')).toBe(false);
  });

  it('classifies leadership errors as retriable and validation errors as not', () => {
    expect(new RunnelError('NOT_LEADER', 'x').retriable).toBe(true);
    expect(new RunnelError('NOT_ENOUGH_REPLICAS', 'x').retriable).toBe(true);
    expect(new RunnelError('RECORD_TOO_LARGE', 'x').retriable).toBe(false);
    expect(new RunnelError('INVALID_CONFIG', 'x').retriable).toBe(false);
  });
});

describe('toWireError / fromWireError', () => {
  it('round-trips code, message, retriable flag and leader hint', () => {
    const original = new RunnelError('NOT_LEADER', 'Broker 2 does not lead orders-3', { leaderHint: 4 });
    const wire = toWireError(original);
    expect(wire).toEqual({ code: 'NOT_LEADER', message: 'Broker 2 does not lead orders-3', retriable: true, leaderHint: 4 });
    const back = fromWireError(wire);
    expect(back).toBeInstanceOf(RunnelError);
    expect(back).toMatchObject({ code: 'NOT_LEADER', message: original.message, retriable: true, leaderHint: 4 });
  });

  it('sends -1 for no leader hint and reads -1 (or a proto default) back as none', () => {
    const wire = toWireError(new CorruptBatchError('bad', { position: 0 }));
    expect(wire).toMatchObject({ code: 'CORRUPT_BATCH', leaderHint: -1 });
    expect(fromWireError(wire).leaderHint).toBeUndefined();
    expect(fromWireError({ code: 'UNKNOWN_TOPIC', message: 'm' }).leaderHint).toBeUndefined();
  });

  it('hides the details of unexpected errors behind UNKNOWN_SERVER_ERROR', () => {
    const wire = toWireError(new TypeError('secret path /var/lib/runnel/x is broken'));
    expect(wire).toEqual({
      code: 'UNKNOWN_SERVER_ERROR',
      message: 'Unexpected broker error (TypeError); see the broker log for details',
      retriable: false,
      leaderHint: -1,
    });
    expect(toWireError('a string').message).toContain('(string)');
  });

  it("keeps a newer peer's unknown code in the message and its retriable flag", () => {
    const error = fromWireError({ code: 'SHINY_NEW_ERROR', message: 'from the future', retriable: true, leaderHint: -1 });
    expect(error).toMatchObject({ code: 'UNKNOWN_SERVER_ERROR', retriable: true, message: 'SHINY_NEW_ERROR: from the future' });
  });
});
