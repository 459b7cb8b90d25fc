/**
 * Regenerates the TypeScript types of the gRPC contract (src/generated) from <repo>/proto with
 * proto-loader-gen-types. One source of truth: the drift test runs this same function into a
 * temporary directory and compares, so the options below are the only ones that matter.
 *
 * Run: `npm run generate -w @runnel/protocol`.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTO_FILES } from '../grpc-loader.ts';

const require = createRequire(import.meta.url);

/** The repository root, from this file's location (packages/protocol/src/codegen). */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where the checked-in generated types live. */
export const GENERATED_DIR = fileURLToPath(new URL('../generated/', import.meta.url));

/**
 * The generator's flags. They mirror PROTO_LOADER_OPTIONS (longs Number, enums String, defaults,
 * oneofs) so the types describe the objects grpc-js really hands over; `.ts` import extensions
 * make the output valid under nodenext + verbatimModuleSyntax with no post-processing.
 */
const GENERATOR_FLAGS = [
  '--longs=Number',
  '--enums=String',
  '--defaults',
  '--oneofs',
  '--includeComments',
  '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.ts',
] as const;

/** Replaces `outDir` with freshly generated types. Throws if the generator fails. */
export function generateGrpcTypes(outDir: string = GENERATED_DIR): void {
  const bin = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');
  rmSync(outDir, { recursive: true, force: true });
  // cwd = repo root and a relative include dir, so the "Original file:" comments in the output
  // are the same on every machine.
  execFileSync(process.execPath, [bin, ...GENERATOR_FLAGS, '-I', 'proto', '-O', path.resolve(outDir), ...PROTO_FILES], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

if (import.meta.main) {
  generateGrpcTypes();
  console.log(`Generated gRPC types in ${path.relative(process.cwd(), GENERATED_DIR) || '.'}`);
}
