import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { credentials, Client, type ServiceError } from '@grpc/grpc-js';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

/** Where a probe runs: the pod's IP, and for exec probes the container's process and env. */
export interface ProbeTarget {
  readonly podIP: string;
  readonly pid: number | undefined;
  readonly env: Readonly<Record<string, string>>;
}

/** Checks one probe once: true on success. */
export async function checkProbe(probe: V1Probe, container: V1Container, target: ProbeTarget): Promise<boolean> {
  const { podIP } = target;
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1_000;
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, container);
    const host = probe.httpGet.host ?? podIP;
    const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((header) => [header.name, header.value]));
    return httpProbe(probe.httpGet.scheme === 'HTTPS', host, port, probe.httpGet.path ?? '/', headers, timeoutMs);
  }
  if (probe.grpc) return grpcProbe(podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket.host ?? podIP, resolvePort(probe.tcpSocket.port, container), timeoutMs);
  if (probe.exec?.command?.length && target.pid !== undefined) return execProbe(target.pid, probe.exec.command, target.env, timeoutMs);
  return false;
}

/** Runs the command inside the container's mount namespace (nsenter), so it sees its volumes. */
function execProbe(pid: number, command: readonly string[], env: Readonly<Record<string, string>>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('nsenter', [`--target=${pid}`, '--mount', '--', ...command], { env: { ...env }, timeout: timeoutMs }, (error) => resolve(!error));
  });
}

function resolvePort(port: number | string, container: V1Container): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((candidate) => candidate.name === port);
  return named?.containerPort ?? Number(port);
}

/** Kubernetes' rule: any status from 200 to 399 is a success. */
function httpProbe(tls: boolean, host: string, port: number, path: string, headers: Record<string, string>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = tls ? httpsRequest : httpRequest;
    const req = request({ host, port, path, method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/**
 * `grpc.health.v1.Health/Check`, SERVING counts as success. The two messages are one field each,
 * so they are encoded by hand rather than loading the proto.
 */
function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new Client(`${host}:${port}`, credentials.createInsecure());
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      encodeHealthCheckRequest,
      (buffer: Buffer) => buffer,
      service,
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response?: Buffer) => {
        client.close();
        // HealthCheckResponse { ServingStatus status = 1; } SERVING = 1 → bytes 08 01.
        resolve(!error && response !== undefined && response.length >= 2 && response[0] === 0x08 && response[1] === 0x01);
      },
    );
  });
}

/** HealthCheckRequest { string service = 1; } */
function encodeHealthCheckRequest(service: string): Buffer {
  const bytes = Buffer.from(service);
  if (bytes.length === 0) return Buffer.alloc(0);
  const length: number[] = [];
  for (let rest = bytes.length; ; rest >>>= 7) {
    if (rest < 0x80) {
      length.push(rest);
      break;
    }
    length.push((rest & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), bytes]);
}
