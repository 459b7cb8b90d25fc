/**
 * Compiles the gRPC contract into a FileDescriptorSet with buf (a real protobuf compiler, from the
 * npm registry): proto/runnel/v1/*.proto, grpc.health.v1 (the copy grpc-health-check serves, under
 * its canonical name grpc/health/v1/health.proto) and every google/protobuf file they import.
 * Server reflection serves these descriptors byte for byte; the ones proto-loader builds name map
 * entries in a way protoc-based clients (grpcurl, Go, Java) reject.
 *
 * One source of truth: the drift test runs this same function into a temporary file and compares.
 * Run: `npm run generate -w @runnel/protocol`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROTO_ROOT } from '../grpc-loader.ts';
import { DESCRIPTOR_SET_PATH } from '../descriptor-set.ts';

const require = createRequire(import.meta.url);

/** Where grpc-health-check keeps the health proto it registers (`grpc.health.v1`). */
const HEALTH_PROTO = path.join(path.dirname(require.resolve('grpc-health-check/package.json')), 'proto', 'health', 'v1', 'health.proto');

/** Writes the descriptor set of `proto/` + grpc.health.v1 to `outFile`. Throws if buf fails. */
export function generateDescriptorSet(outFile: string = DESCRIPTOR_SET_PATH): void {
  const buf = require.resolve('@bufbuild/buf/bin/buf');
  // One source directory with every file at its import path: buf names files by their path
  // relative to it, and that name is what reflection clients ask for (file_by_filename).
  const sources = mkdtempSync(path.join(tmpdir(), 'runnel-protos-'));
  try {
    cpSync(path.join(PROTO_ROOT, 'runnel'), path.join(sources, 'runnel'), { recursive: true });
    mkdirSync(path.join(sources, 'grpc', 'health', 'v1'), { recursive: true });
    cpSync(HEALTH_PROTO, path.join(sources, 'grpc', 'health', 'v1', 'health.proto'));
    // Imports (google/protobuf/*) are included; source info keeps the comments, which
    // `grpcurl describe` shows.
    execFileSync(process.execPath, [buf, 'build', sources, '--as-file-descriptor-set', '-o', path.resolve(outFile)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } finally {
    rmSync(sources, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  generateDescriptorSet();
  console.log(`Generated the descriptor set ${path.relative(process.cwd(), DESCRIPTOR_SET_PATH)}`);
}
