import { describe, expect, it } from 'vitest';
import { partitionError } from './partition-error.ts';

describe('partitionError', () => {
  it("keeps the table's flag, unless the broker marks this occurrence not retriable", () => {
    expect(partitionError({ code: 'NOT_LEADER', message: 'm', retriable: true, leaderHint: 2 })).toMatchObject({ code: 'NOT_LEADER', retriable: true, leaderHint: 2 });
    expect(partitionError({ code: 'STORAGE_ERROR', message: 'Partition t-0 is offline', retriable: true, leaderHint: -1 })).toMatchObject({ code: 'STORAGE_ERROR', retriable: true });
    expect(partitionError({ code: 'STORAGE_ERROR', message: 'Partition t-0 is offline', retriable: false, leaderHint: -1 })).toMatchObject({ code: 'STORAGE_ERROR', retriable: false, message: 'Partition t-0 is offline' });
    // A broker cannot make a non-retriable code retriable.
    expect(partitionError({ code: 'RECORD_TOO_LARGE', message: 'm', retriable: true, leaderHint: -1 })).toMatchObject({ retriable: false });
  });
});
