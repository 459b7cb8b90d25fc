import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DESCRIPTOR_SET_PATH, descriptorFileName, descriptorSetServices, loadDescriptorSetFiles } from '../descriptor-set.ts';
import { generateDescriptorSet } from './generate-descriptor-set.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'runnel-protocol-descriptors-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('compiled descriptor set', () => {
  it('matches what buf compiles from proto/ today (run `npm run generate -w @runnel/protocol`)', () => {
    const fresh = path.join(scratch, 'runnel.binpb');
    generateDescriptorSet(fresh);
    expect(readFileSync(DESCRIPTOR_SET_PATH).equals(readFileSync(fresh))).toBe(true);
  }, 60_000);

  it('holds every public proto and the health service, imports before importers', () => {
    expect(loadDescriptorSetFiles().map(descriptorFileName)).toEqual([
      'grpc/health/v1/health.proto',
      'runnel/v1/common.proto',
      'runnel/v1/log.proto',
      'runnel/v1/admin.proto',
      'runnel/v1/group.proto',
      'runnel/v1/replica.proto',
    ]);
    expect(descriptorSetServices(loadDescriptorSetFiles())).toEqual(['grpc.health.v1.Health', 'runnel.v1.Log', 'runnel.v1.Admin', 'runnel.v1.Group', 'runnel.v1.Replica']);
  });

  it('refuses a file that is not a descriptor set, naming it', () => {
    const text = path.join(scratch, 'not-a-set.binpb');
    writeFileSync(text, 'syntax = "proto3";\n');
    expect(() => loadDescriptorSetFiles(text)).toThrow(`Cannot load the descriptor set ${text}: unexpected field`);
    const empty = path.join(scratch, 'empty.binpb');
    writeFileSync(empty, '');
    expect(() => loadDescriptorSetFiles(empty)).toThrow(`Cannot load the descriptor set ${empty}: it holds no file`);
    expect(() => loadDescriptorSetFiles(path.join(scratch, 'missing.binpb'))).toThrow(/Cannot load the descriptor set .*missing\.binpb: ENOENT/);
  });
});
