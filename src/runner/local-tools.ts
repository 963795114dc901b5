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
  /** Providers of the local filesystem mirror (`.tools/providers`, built by install-tools). */
  readonly providerMirror: ProviderMirror;
}

/** A Terraform filesystem mirror: `<dir>/<host>/<namespace>/<type>/<version>/<os>_<arch>/`. */
export interface ProviderMirror {
  readonly dir: string;
  /** `registry.terraform.io/hashicorp/aws 6.47.1`, … */
  readonly providers: readonly { readonly source: string; readonly version: string }[];
}

/** The providers a mirror folder holds (none when it does not exist). */
export function readProviderMirror(dir: string): ProviderMirror {
  const providers: { source: string; version: string }[] = [];
  const list = (p: string): string[] =>
    fs.existsSync(p) ? fs.readdirSync(p).filter((n) => fs.statSync(path.join(p, n)).isDirectory()) : [];
  for (const host of list(dir)) {
    for (const ns of list(path.join(dir, host))) {
      for (const type of list(path.join(dir, host, ns))) {
        for (const version of list(path.join(dir, host, ns, type))) {
          providers.push({ source: `${host}/${ns}/${type}`, version });
        }
      }
    }
  }
  return { dir, providers: providers.sort((a, b) => a.source.localeCompare(b.source)) };
}

/**
 * A Terraform/OpenTofu CLI configuration that installs the mirror's providers from the mirror, and every other
 * provider as Terraform normally would (from its registry, which fails offline with a message naming it).
 */
export function providerCliConfig(mirror: ProviderMirror): string {
  const sources = [...new Set(mirror.providers.map((p) => p.source))];
  const list = sources.map((s) => JSON.stringify(s)).join(', ');
  return [
    '# Written by tfpf run: providers of the local mirror come from it, the rest from their registries.',
    'provider_installation {',
    ...(sources.length > 0
      ? [
          '  filesystem_mirror {',
          `    path    = ${JSON.stringify(mirror.dir)}`,
          `    include = [${list}]`,
          '  }',
        ]
      : []),
    '  direct {',
    ...(sources.length > 0 ? [`    exclude = [${list}]`] : []),
    '  }',
    '}',
    '',
  ].join('\n');
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
    providerMirror: readProviderMirror(path.join(path.dirname(binDir), 'providers')),
  };
}
