import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERATED_DIR, generateGrpcTypes } from './generate-grpc-types.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'runnel-protocol-gen-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('generated gRPC types', () => {
  it('match what proto-loader-gen-types makes from proto/ today (run `npm run generate -w @runnel/protocol`)', () => {
    const fresh = path.join(scratch, 'generated');
    generateGrpcTypes(fresh);
    const expected = listFiles(fresh);
    expect(expected).toContain('runnel/v1/Log.ts');
    expect(listFiles(GENERATED_DIR)).toEqual(expected);
    for (const file of expected) {
      expect(readFileSync(path.join(GENERATED_DIR, file), 'utf8'), file).toBe(readFileSync(path.join(fresh, file), 'utf8'));
    }
  });
});
