import { readFileSync } from 'node:fs';
import { DockerfileParser, type ImageTemplate, type JSONInstruction } from 'dockerfile-ast';
import { KubeTestError } from '../errors.ts';

/** What the final stage of a Dockerfile makes a container run. */
export interface DockerfileImage {
  /** The final stage's base image, as written (`node:24.21.0-trixie-slim`). */
  readonly baseImage: string;
  /** ENTRYPOINT, exec form. */
  readonly entrypoint: readonly string[];
  /** CMD, exec form. */
  readonly cmd: readonly string[];
  /** ENV of the final stage (the base image's own environment is not known here). */
  readonly env: Readonly<Record<string, string>>;
  /** The last WORKDIR of the final stage. */
  readonly workingDir: string | undefined;
  /** The last USER of the final stage. */
  readonly user: string | undefined;
}

/**
 * Reads the final stage of a Dockerfile. ENTRYPOINT and CMD must both be set there in exec (JSON)
 * form, and no value the container runs with may use a variable: otherwise what the image runs
 * depends on its base image or its build arguments, and a `KubeTestError` (`DOCKERFILE_UNSUPPORTED`)
 * says which instruction is the problem.
 */
export function readDockerfileImage(path: string): DockerfileImage {
  const fail = (what: string): never => {
    throw new KubeTestError('DOCKERFILE_UNSUPPORTED', `Cannot derive what the image of ${path} runs: ${what}`);
  };
  const dockerfile = DockerfileParser.parse(readFileSync(path, 'utf8'));
  const from = dockerfile.getFROMs().at(-1) ?? fail('it has no FROM');
  const stage: ImageTemplate = dockerfile.getContainingImage(from.getRange().start) ?? fail('its final stage cannot be found');
  const execForm = (keyword: string, instructions: JSONInstruction[]): string[] => {
    const last = instructions.at(-1) ?? fail(`the final stage sets no ${keyword} (the base image's would apply)`);
    const strings = last.getJSONStrings().map((s) => s.getJSONValue());
    if (strings.length === 0 && last.getArgumentsContent()?.trim() !== '[]') fail(`${keyword} is not in exec form ["…", "…"]`);
    return strings.map((s) => noVariable(s, keyword, fail));
  };
  const env: Record<string, string> = {};
  for (const instruction of stage.getENVs()) {
    for (const property of instruction.getProperties()) {
      env[property.getName()] = noVariable(property.getValue() ?? '', `ENV ${property.getName()}`, fail);
    }
  }
  const lastArguments = (keyword: string): string | undefined =>
    stage.getInstructions().filter((i) => i.getKeyword() === keyword).at(-1)?.getArgumentsContent() ?? undefined;
  const workingDir = lastArguments('WORKDIR');
  if (workingDir !== undefined && !workingDir.startsWith('/')) fail(`WORKDIR ${workingDir} is not absolute`);
  const user = lastArguments('USER');
  return {
    baseImage: from.getImage() ?? fail('the final FROM names no image'),
    entrypoint: execForm('ENTRYPOINT', stage.getENTRYPOINTs()),
    cmd: execForm('CMD', stage.getCMDs()),
    env,
    workingDir: workingDir === undefined ? undefined : noVariable(workingDir, 'WORKDIR', fail),
    user,
  };
}

function noVariable(value: string, where: string, fail: (what: string) => never): string {
  return value.includes('$') ? fail(`${where} uses a variable (${value})`) : value;
}
