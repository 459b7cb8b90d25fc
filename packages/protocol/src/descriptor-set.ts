/**
 * The compiled descriptors of the gRPC contract (src/descriptor-set/runnel.binpb, made by buf from
 * proto/ and grpc.health.v1, see codegen/generate-descriptor-set.ts), for server reflection.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import descriptor, { type IFileDescriptorProto } from 'protobufjs/ext/descriptor/index.js';
import protobuf from 'protobufjs/minimal.js';

/** The checked-in FileDescriptorSet (binary protobuf). */
export const DESCRIPTOR_SET_PATH = fileURLToPath(new URL('./descriptor-set/runnel.binpb', import.meta.url));

/** `FileDescriptorSet.file` and `FileDescriptorProto.name` are both field 1, length-delimited. */
const FIELD_1_BYTES = (1 << 3) | 2;

/**
 * The encoded FileDescriptorProto of every file in a FileDescriptorSet, in the compiler's order (a
 * file's imports come before it), exactly as the compiler wrote them.
 * @throws Error naming the file when it cannot be read or is not a FileDescriptorSet
 */
export function loadDescriptorSetFiles(path: string = DESCRIPTOR_SET_PATH): Uint8Array[] {
  const files: Uint8Array[] = [];
  try {
    const reader = protobuf.Reader.create(readFileSync(path));
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag !== FIELD_1_BYTES) throw new Error(`unexpected field ${tag >>> 3} (wire type ${tag & 7}) at byte ${reader.pos}`);
      const file = reader.bytes();
      descriptorFileName(file);
      files.push(file);
    }
  } catch (error) {
    throw new Error(`Cannot load the descriptor set ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (files.length === 0) throw new Error(`Cannot load the descriptor set ${path}: it holds no file`);
  return files;
}

/** The `name` of an encoded FileDescriptorProto (`runnel/v1/log.proto`), which compilers write first. */
export function descriptorFileName(file: Uint8Array): string {
  const reader = protobuf.Reader.create(file);
  if (reader.len === 0 || reader.uint32() !== FIELD_1_BYTES) throw new Error('a FileDescriptorProto does not start with its name');
  return reader.string();
}

/** Fully qualified names of the services the encoded files define (`runnel.v1.Log`, …). */
export function descriptorSetServices(files: readonly Uint8Array[]): string[] {
  return files.flatMap((bytes) => {
    const file = descriptor.FileDescriptorProto.decode(bytes) as IFileDescriptorProto;
    return (file.service ?? []).map((service) => `${file.package ? `${file.package}.` : ''}${service.name ?? ''}`);
  });
}
