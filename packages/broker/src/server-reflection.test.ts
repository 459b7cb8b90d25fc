import { describe, expect, it } from 'vitest';
import { addServerReflection } from './server-reflection.ts';

describe('addServerReflection', () => {
  it('adds the v1 and v1alpha reflection services for services of the compiled set', () => {
    const added: string[] = [];
    const server = { addService: (service: Record<string, { path: string }>) => added.push(...Object.values(service).map((m) => m.path)) };
    addServerReflection(server, ['runnel.v1.Log', 'grpc.health.v1.Health']);
    expect(added).toEqual(['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo']);
  });

  it('refuses a service the compiled descriptor set does not define, naming it', () => {
    const server = { addService: () => undefined };
    expect(() => addServerReflection(server, ['runnel.v1.Log', 'runnel.v1.Nope'])).toThrow(
      /^Cannot serve reflection for runnel\.v1\.Nope: not in the compiled descriptor set .*runnel\.binpb \(regenerate it with `npm run generate -w @runnel\/protocol`\)$/,
    );
  });
});
