import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import type { FactoryModel } from '../config';
import { projectRoot, toolsBinDir } from '../local/project-paths';

export type Engine = 'terraform' | 'opentofu';

/** Versions of the tools `scripts/install-tools` installs into .tools/bin (scripts/tool-versions.env). */
export interface LocalToolVersions {
  readonly terraform: string;
  readonly opentofu: string;
  readonly tflint: string;
  readonly tfsec: string;
  readonly checkov: string;
}

/** The local tool set a run uses, next to what CodeBuild would install from factory.yaml. */
export interface LocalToolchain {
  readonly binDir: string;
  readonly engine: Engine;
  /** Binary name of the engine: terraform or tofu. */
  readonly engineBinary: string;
  /** Version of the local engine (passed to the buildspecs as TF_VERSION). */
  readonly engineVersion: string;
  readonly versions: LocalToolVersions;
  /** Lines saying where local versions differ from factory.yaml. */
  readonly differences: readonly string[];
  /** Whether the local engine supports the S3 native lockfile (Terraform >= 1.11, OpenTofu >= 1.10). */
  readonly supportsLockfile: boolean;
}

/** Thrown when the local tools are missing or cannot be used; the message says how to fix it. */
export class LocalToolsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalToolsError';
  }
}

/** Reads `KEY=value` lines (comments with #) of scripts/tool-versions.env. */
export function readToolVersions(
  file = path.join(projectRoot(), 'scripts', 'tool-versions.env'),
): LocalToolVersions {
  const values: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=([^\s#]+)\s*(#.*)?$/.exec(line);
    if (match) values[match[1] as string] = match[2] as string;
  }
  const get = (key: string): string => {
    const value = values[key];
    if (value === undefined) throw new LocalToolsError(`${file}: ${key} is not set`);
    return value;
  };
  return {
    terraform: get('TERRAFORM_VERSION'),
    opentofu: get('OPENTOFU_VERSION'),
    tflint: get('TFLINT_VERSION'),
    tfsec: get('TFSEC_VERSION'),
    checkov: get('CHECKOV_VERSION'),
  };
}

const MIN_LOCKFILE: Record<Engine, string> = { terraform: '1.11.0', opentofu: '1.10.0' };

export function engineSupportsLockfile(engine: Engine, version: string): boolean {
  return semver.gte(semver.coerce(version)?.version ?? '0.0.0', MIN_LOCKFILE[engine]);
}

/** Resolves the local toolchain for a run; `engine` overrides factory.yaml's tools.engine. */
export function resolveLocalToolchain(config: FactoryModel, engine?: Engine): LocalToolchain {
  const binDir = toolsBinDir();
  const versions = readToolVersions();
  const tools = config.factory.tools;
  const chosen: Engine = engine ?? tools.engine;
  const engineBinary = chosen === 'opentofu' ? 'tofu' : 'terraform';
  const required = [engineBinary, 'tflint', 'tfsec', 'checkov'];
  const missing = required.filter((name) => !fs.existsSync(path.join(binDir, name)));
  if (missing.length > 0) {
    const hint = missing.includes('tofu') ? 'bash scripts/install-tools' : 'bash scripts/install-tools';
    throw new LocalToolsError(`missing in ${binDir}: ${missing.join(', ')}; install them with: ${hint}`);
  }
  const engineVersion = chosen === 'opentofu' ? versions.opentofu : versions.terraform;
  const factoryEngineVersion = chosen === 'opentofu' ? (tools.opentofu ?? '(not set)') : tools.terraform;
  const differences: string[] = [];
  const compare = (name: string, local: string, factory: string): void => {
    if (local !== factory)
      differences.push(`${name} ${local} locally; CodeBuild installs ${factory} (factory.yaml)`);
  };
  if (chosen !== tools.engine)
    differences.push(`engine ${chosen} locally; factory.yaml says ${tools.engine}`);
  else compare(chosen, engineVersion, factoryEngineVersion);
  compare('tflint', versions.tflint, tools.tflint);
  compare('tfsec', versions.tfsec, tools.tfsec);
  compare('checkov', versions.checkov, tools.checkov);
  return {
    binDir,
    engine: chosen,
    engineBinary,
    engineVersion,
    versions,
    differences,
    supportsLockfile: engineSupportsLockfile(chosen, engineVersion),
  };
}
