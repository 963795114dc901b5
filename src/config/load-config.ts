import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error';
import type { EnvironmentModel, FactoryModel } from './model';
import { environmentSchema, factorySchema, type EnvironmentConfig, type FactoryConfig } from './schema';
import { checkPromotions, type ParsedEnvironment } from './promotion-checks';
import { allowedKeysAt, formatFieldPath } from './schema-paths';
import { didYouMean } from './suggest';
import { YamlSource } from './yaml-source';

export const FACTORY_FILE = 'factory.yaml';
/** Largest configuration file accepted (1 MiB): real files are a few KiB; a bigger one is a mistake or an attack. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
const MAX_BUCKET_NAME = 63;
const MIN_LOCKFILE_VERSION = { terraform: '1.11.0', opentofu: '1.10.0' } as const;

/** A configuration file's name and text, as read from disk (or built by a test). */
export interface ConfigFile {
  readonly name: string;
  readonly text: string;
}

/** How a path is shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Reads every `*.yaml`/`*.yml` file of a configuration folder and validates it. Throws ConfigError. */
export function loadConfig(dir: string): FactoryModel {
  const absolute = path.resolve(dir);
  const shown = displayPath(absolute);
  let names: string[];
  try {
    names = fs.readdirSync(absolute).filter((name) => /\.ya?ml$/.test(name));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'folder not found' : String(error);
    throw new ConfigError([{ file: shown, field: '', message: `cannot read configuration: ${reason}` }]);
  }
  const problems: ConfigProblem[] = [];
  const files: ConfigFile[] = [];
  for (const name of names.sort()) {
    const read = readConfigFile(path.join(absolute, name), `${shown}/${name}`);
    if ('problem' in read) problems.push(read.problem);
    else files.push({ name, text: read.text });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return buildModel(absolute, shown, files);
}

/**
 * Reads one configuration file, refusing anything but a regular file of at most MAX_CONFIG_FILE_BYTES. The size
 * is checked on the open descriptor before reading, and the read itself stops one byte past the cap (the file may
 * grow between the two).
 */
function readConfigFile(file: string, shown: string): { text: string } | { problem: ConfigProblem } {
  const tooLarge = (size: string): { problem: ConfigProblem } => ({
    problem: {
      file: shown,
      field: '',
      message: `is ${size}; configuration files are limited to ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
    },
  });
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return { problem: { file: shown, field: '', message: `cannot read: ${String(error)}` } };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { problem: { file: shown, field: '', message: 'is not a regular file' } };
    if (stat.size > MAX_CONFIG_FILE_BYTES) return tooLarge(`${stat.size} bytes`);
    const buffer = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_FILE_BYTES) return tooLarge('larger than that');
    }
    return { text: buffer.subarray(0, length).toString('utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

function validate<T extends z.ZodType>(
  schema: T,
  source: YamlSource,
  problems: ConfigProblem[],
): z.output<T> | undefined {
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) {
    problems.push(...syntax);
    return undefined;
  }
  const converted = source.toJS();
  if ('problem' in converted) {
    problems.push(converted.problem);
    return undefined;
  }
  const { data } = converted;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.push({ file: source.file, field: '', message: 'must be a YAML mapping of settings' });
    return undefined;
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        problems.push({
          file: source.file,
          field: formatFieldPath([...issue.path, key]),
          message: `unknown key${didYouMean(key, allowed)}; allowed here: ${allowed.join(', ')}`,
          line: source.lineOf([...issue.path, key]),
        });
      }
      continue;
    }
    problems.push({
      file: source.file,
      field: formatFieldPath(issue.path),
      message: issue.message,
      line: source.lineOf(issue.path),
    });
  }
  return undefined;
}

/** Validates configuration files (pure: no disk access). Throws ConfigError with every problem found. */
export function buildModel(dir: string, shownDir: string, files: readonly ConfigFile[]): FactoryModel {
  const problems: ConfigProblem[] = [];
  const show = (name: string): string => (shownDir === '' ? name : `${shownDir}/${name}`);
  const oversized = files.filter((f) => Buffer.byteLength(f.text) > MAX_CONFIG_FILE_BYTES);
  if (oversized.length > 0) {
    throw new ConfigError(
      oversized.map((f) => ({
        file: show(f.name),
        field: '',
        message: `is ${Buffer.byteLength(f.text)} bytes; configuration files are limited to ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
      })),
    );
  }

  const factoryFile = files.find((f) => f.name === FACTORY_FILE);
  const strayFactory = files.find((f) => f.name === 'factory.yml');
  if (strayFactory) {
    problems.push({ file: show(strayFactory.name), field: '', message: `rename to ${FACTORY_FILE}` });
  }
  let factory: { readonly config: FactoryConfig; readonly source: YamlSource } | undefined;
  if (factoryFile === undefined) {
    problems.push({
      file: show(FACTORY_FILE),
      field: '',
      message:
        'missing: every configuration folder needs factory.yaml (repository, stateBucketPrefix, globalRegion, tools)',
    });
  } else {
    const source = new YamlSource(show(factoryFile.name), factoryFile.text);
    const config = validate(factorySchema, source, problems);
    if (config !== undefined) factory = { config, source };
  }

  const valid: { readonly env: EnvironmentConfig; readonly file: string }[] = [];
  const seen = new Map<string, string>();
  const parsed: ParsedEnvironment[] = [];
  for (const file of files) {
    if (file.name === FACTORY_FILE || file.name === 'factory.yml') continue;
    const shown = show(file.name);
    const stem = file.name.replace(/\.ya?ml$/, '');
    const source = new YamlSource(shown, file.text);
    const env: EnvironmentConfig | undefined = validate(environmentSchema, source, problems);
    if (env === undefined) continue;
    problems.push(...checkEnvironment(env, stem, source, factory?.config));
    const previous = seen.get(env.environment);
    if (previous !== undefined) {
      problems.push({
        file: shown,
        field: 'environment',
        message: `"${env.environment}" is already defined in ${previous}`,
        line: source.lineOf(['environment']),
      });
      continue;
    }
    seen.set(env.environment, shown);
    parsed.push({ config: env, source });
    valid.push({ env, file: shown });
  }

  problems.push(...checkPromotions(parsed));

  if (files.filter((f) => f.name !== FACTORY_FILE && f.name !== 'factory.yml').length === 0) {
    problems.push({
      file: shownDir === '' ? '.' : shownDir,
      field: '',
      message: 'no environments: add at least one <env>.yaml file next to factory.yaml',
    });
  }
  if (factory !== undefined) problems.push(...checkFactory(factory.config, factory.source, [...seen.keys()]));

  if (problems.length > 0 || factory === undefined) throw new ConfigError(problems);
  const { $schema: _factorySchema, ...factorySettings } = factory.config;
  const environments = valid.map(({ env, file }): EnvironmentModel => {
    const { $schema: _schema, protected: explicitProtected, ...rest } = env;
    return {
      ...rest,
      protected: explicitProtected ?? factorySettings.protectedEnvironments.includes(env.environment),
      file,
    };
  });
  environments.sort((a, b) => a.environment.localeCompare(b.environment));
  return { dir, factory: factorySettings, environments };
}

function checkEnvironment(
  env: EnvironmentConfig,
  stem: string,
  source: YamlSource,
  factory: FactoryConfig | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (field: readonly PropertyKey[], message: string): void => {
    problems.push({ file: source.file, field: formatFieldPath(field), message, line: source.lineOf(field) });
  };
  if (env.environment !== stem) {
    at(
      ['environment'],
      `"${env.environment}" must equal the file name "${stem}" (rename the file or the environment)`,
    );
  }
  const firstIndex = new Map<string, number>();
  env.regions.forEach((region, index) => {
    const first = firstIndex.get(region);
    if (first === undefined) firstIndex.set(region, index);
    else at(['regions', index], `"${region}" is listed twice (also regions[${first}])`);
  });
  // When factory.yaml itself is invalid, check against the default protected list so no error is hidden.
  const listedProtected = (factory?.protectedEnvironments ?? ['prod']).includes(env.environment);
  if (env.protected === false && listedProtected) {
    at(
      ['protected'],
      `"${env.environment}" is listed in factory.yaml protectedEnvironments; protected: false conflicts with it (remove one of them)`,
    );
  }
  const isProtected = env.protected ?? listedProtected;
  if (isProtected && !env.approval.required) {
    at(
      ['approval', 'required'],
      `${env.environment} is a protected environment and must require approval (set approval.required: true)`,
    );
  }
  return problems;
}

function checkFactory(
  factory: FactoryConfig,
  source: YamlSource,
  environments: readonly string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (field: readonly PropertyKey[], message: string): void => {
    problems.push({ file: source.file, field: formatFieldPath(field), message, line: source.lineOf(field) });
  };
  for (const env of environments) {
    const bucket = `${factory.stateBucketPrefix}-${env}`;
    if (bucket.length > MAX_BUCKET_NAME) {
      at(
        ['stateBucketPrefix'],
        `state bucket "${bucket}" for environment ${env} would be ${bucket.length} characters; S3 allows at most ${MAX_BUCKET_NAME} (shorten the prefix)`,
      );
    }
    if (bucket.endsWith('-s3alias')) {
      at(['stateBucketPrefix'], `state bucket "${bucket}" ends with the reserved suffix "-s3alias"`);
    }
  }
  if (factory.layout.varFiles !== undefined && source.has(['layout', 'vars'])) {
    at(
      ['layout', 'vars'],
      'conflicts with layout.varFiles, which replaces the vars/ layering (remove one of them)',
    );
  }
  const { engine } = factory.tools;
  if (engine === 'opentofu' && factory.tools.opentofu === undefined) {
    at(
      ['tools', 'opentofu'],
      'is required when tools.engine is "opentofu" (an exact version such as "1.10.6")',
    );
  }
  const engineVersion = engine === 'opentofu' ? factory.tools.opentofu : factory.tools.terraform;
  if (factory.locking === 's3-lockfile' && engineVersion !== undefined) {
    const minimum = MIN_LOCKFILE_VERSION[engine];
    if (semver.lt(engineVersion, minimum)) {
      at(
        ['tools', engine],
        `${engine} ${engineVersion} has no S3 lockfile: locking "s3-lockfile" needs ${engine} >= ${minimum} (or set locking: dynamodb)`,
      );
    }
  }
  return problems;
}
