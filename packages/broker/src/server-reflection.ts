import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { DESCRIPTOR_SET_PATH, descriptorSetServices, loadDescriptorSetFiles } from '@runnel/protocol';

let compiled: { files: Buffer[]; services: string[] } | undefined;

/**
 * Adds gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) to `server`, answering with the
 * descriptors buf compiled from proto/ and grpc.health.v1 (`@runnel/protocol`'s descriptor set),
 * byte for byte. Descriptors that proto-loader rebuilds from its parsed protos name map entries
 * in a way grpcurl and every other protoc-based client reject, so clients could list the services
 * but not describe or call them.
 *
 * @param services the fully qualified services `server` serves (e.g. `runnel.v1.Log`); only these
 *   are listed, although every file of the set can be fetched.
 * @throws Error naming the services the compiled set lacks (the set is older than proto/)
 */
export function addServerReflection(server: Pick<grpc.Server, 'addService'>, services: readonly string[]): void {
  if (compiled === undefined) {
    const files = loadDescriptorSetFiles().map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    compiled = { files, services: descriptorSetServices(files) };
  }
  const { files } = compiled;
  const missing = services.filter((service) => !compiled?.services.includes(service));
  if (missing.length > 0) {
    throw new Error(
      `Cannot serve reflection for ${missing.join(', ')}: not in the compiled descriptor set ${DESCRIPTOR_SET_PATH} ` +
        '(regenerate it with `npm run generate -w @runnel/protocol`)',
    );
  }
  // ReflectionService indexes the `fileDescriptorProtos` of each entry of a proto-loader package
  // definition and re-encodes them with protobufjs, which reproduces these bytes exactly (the
  // reflection test compares them). One entry carrying every compiled file is enough.
  const definition = { 'runnel.descriptor-set': { fileDescriptorProtos: files } } as unknown as PackageDefinition;
  new ReflectionService(definition, { services: [...services] }).addToServer(server);
}
