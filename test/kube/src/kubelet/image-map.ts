import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { V1Container } from '@kubernetes/client-node';
import { KubeTestError } from '../errors.ts';
import { readDockerfileImage } from './dockerfile-image.ts';

/** What a mapped image runs: the image's ENTRYPOINT (`command`) and CMD (`args`), on the host. */
export interface ImageEntry {
  readonly command: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir?: string;
}

/**
 * An image described by its Dockerfile: the entry runs the final stage's ENTRYPOINT, CMD, ENV
 * and WORKDIR, each string translated by `hostEquivalents` from the image's file system to this
 * host's (a key equal to the whole string, such as `node`, or a directory key such as `/app`
 * followed by `/…`). So the process kubelet runs exactly what the image would.
 */
export interface DockerfileImageEntry {
  readonly dockerfile: string;
  readonly hostEquivalents: Readonly<Record<string, string>>;
}

/** The argv, extra env and working directory of one container, resolved through an {@link ImageMap}. */
export interface ResolvedCommand {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string | undefined;
}

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');

/**
 * Maps container images to local commands, so a Pod spec runs unchanged as host processes:
 * a mapped image (for example `ghcr.io/runnel/runnel`, any tag) runs this checkout; any other image
 * runs the container's own `command`/`args` on the host, so `image: busybox` with
 * `command: [node, -e, …]` just works.
 */
export class ImageMap {
  readonly #entries: ReadonlyMap<string, ImageEntry>;

  constructor(entries: Readonly<Record<string, ImageEntry>>) {
    this.#entries = new Map(Object.entries(entries));
  }

  /**
   * Reads a JSON file `{"images": {"<name>": ImageEntry | DockerfileImageEntry}}`; `{repo}`
   * expands to this checkout.
   */
  static load(path = process.env['RUNNEL_KUBELET_IMAGES'] ?? fileURLToPath(new URL('../../images.json', import.meta.url))): ImageMap {
    const text = readFileSync(path, 'utf8').replaceAll('{repo}', repoRoot);
    const parsed = JSON.parse(text) as { images?: Record<string, ImageEntry | DockerfileImageEntry> };
    return new ImageMap(
      Object.fromEntries(Object.entries(parsed.images ?? {}).map(([name, entry]) => [name, 'dockerfile' in entry ? imageEntryFromDockerfile(entry) : entry])),
    );
  }

  /** Docker semantics: the container's `command` replaces the entrypoint and drops the image's args. */
  resolve(container: V1Container): ResolvedCommand {
    const entry = this.#entries.get(imageName(container.image ?? ''));
    if (entry) {
      const command = container.command ?? entry.command;
      const args = container.args ?? (container.command ? [] : (entry.args ?? []));
      return { argv: [...command, ...args], env: entry.env ?? {}, workingDir: container.workingDir ?? entry.workingDir };
    }
    if (!container.command?.length) {
      throw new KubeTestError(
        'IMAGE_NOT_MAPPED',
        `Container ${container.name}: image ${container.image ?? '(none)'} is not in the process kubelet's image map and the container has no command to run on the host`,
      );
    }
    return { argv: [...container.command, ...(container.args ?? [])], env: {}, workingDir: container.workingDir };
  }
}

/** `ghcr.io/runnel/runnel:1.2@sha256:…` → `ghcr.io/runnel/runnel` */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? '';
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The {@link ImageEntry} that runs on this host what the Dockerfile's image runs. */
export function imageEntryFromDockerfile(entry: DockerfileImageEntry): ImageEntry {
  const image = readDockerfileImage(entry.dockerfile);
  const onHost = (value: string): string => {
    const exact = entry.hostEquivalents[value];
    if (exact !== undefined) return exact;
    const prefix = Object.keys(entry.hostEquivalents).find((key) => key.startsWith('/') && value.startsWith(`${key}/`));
    return prefix === undefined ? value : `${entry.hostEquivalents[prefix] ?? ''}${value.slice(prefix.length)}`;
  };
  return {
    command: image.entrypoint.map(onHost),
    args: image.cmd.map(onHost),
    env: Object.fromEntries(Object.entries(image.env).map(([name, value]) => [name, onHost(value)])),
    ...(image.workingDir === undefined ? {} : { workingDir: onHost(image.workingDir) }),
  };
}
