import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { composeBuildSpec, type GeneratedLibraryFiles } from '../pipeline/buildspec-compose';

/** Build phases in the order CodeBuild runs them. */
export const PHASE_NAMES = ['install', 'pre_build', 'build', 'post_build'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export interface BuildSpecPhase {
  readonly commands: readonly string[];
  /** Commands that run after `commands`, whether they succeeded or not. */
  readonly finally: readonly string[];
  /** ABORT (default): a failure ends the build as CodeBuild does; CONTINUE: the next phase runs anyway. */
  readonly onFailure: 'ABORT' | 'CONTINUE';
}

export interface BuildSpecArtifacts {
  readonly files: readonly string[];
  /** Relative to CODEBUILD_SRC_DIR; default: the source folder itself. */
  readonly baseDirectory: string;
  readonly discardPaths: boolean;
}

export interface BuildSpecReportGroup {
  readonly files: readonly string[];
  readonly baseDirectory: string;
  readonly fileFormat: string;
}

/** The parts of a buildspec (version 0.2) the local runner executes. */
export interface BuildSpec {
  readonly file: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly exportedVariables: readonly string[];
  readonly phases: Readonly<Partial<Record<PhaseName, BuildSpecPhase>>>;
  readonly artifacts?: BuildSpecArtifacts;
  readonly reports: Readonly<Record<string, BuildSpecReportGroup>>;
}

/** A buildspec the local runner cannot execute faithfully; names the file and the key. */
export class BuildSpecFormatError extends Error {
  constructor(file: string, problems: readonly string[]) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'BuildSpecFormatError';
  }
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function stringList(value: unknown, where: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${where} must be a list`);
    return [];
  }
  return value.flatMap((item, i) => {
    const text = scalar(item);
    if (text === undefined) {
      problems.push(`${where}[${i}] must be a string`);
      return [];
    }
    return [text];
  });
}

function unknownKeys(obj: Obj, allowed: readonly string[], where: string, problems: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) problems.push(`${where}: "${key}" is not supported by the local runner`);
  }
}

/**
 * Reads a buildspec strictly: keys the local runner would silently ignore (parameter-store, secrets-manager,
 * runtime-versions, batch, ...) are errors, so a buildspec that passes locally does not depend on them.
 */
export function parseBuildSpec(
  text: string,
  file: string,
  libraryDir?: string,
  generated: GeneratedLibraryFiles = {},
): BuildSpec {
  const problems: string[] = [];
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    throw new BuildSpecFormatError(file, [`not valid YAML: ${(error as Error).message}`]);
  }
  if (!isObject(parsed)) throw new BuildSpecFormatError(file, ['must be a YAML mapping']);
  // The same composition as at synth: the runner executes exactly what CodeBuild gets.
  let doc: Obj;
  try {
    doc = composeBuildSpec(parsed, libraryDir ?? path.dirname(file), generated);
  } catch (error) {
    throw new BuildSpecFormatError(file, [(error as Error).message]);
  }
  unknownKeys(doc, ['version', 'env', 'phases', 'artifacts', 'reports', 'cache'], 'top level', problems);
  if (scalar(doc.version) !== '0.2')
    problems.push(`version must be 0.2; found ${JSON.stringify(doc.version)}`);

  const variables: Record<string, string> = {};
  let exportedVariables: string[] = [];
  if (doc.env !== undefined) {
    if (!isObject(doc.env)) problems.push('env must be a mapping');
    else {
      unknownKeys(doc.env, ['shell', 'variables', 'exported-variables'], 'env', problems);
      if (doc.env.shell !== undefined && doc.env.shell !== 'bash') {
        problems.push(`env.shell must be bash (found ${JSON.stringify(doc.env.shell)})`);
      }
      if (doc.env.variables !== undefined) {
        if (!isObject(doc.env.variables)) problems.push('env.variables must be a mapping');
        else {
          for (const [name, value] of Object.entries(doc.env.variables)) {
            const text = scalar(value);
            if (text === undefined) problems.push(`env.variables.${name} must be a string`);
            else variables[name] = text;
          }
        }
      }
      exportedVariables = stringList(doc.env['exported-variables'], 'env.exported-variables', problems);
    }
  }
  if (doc.env === undefined || !isObject(doc.env) || doc.env.shell !== 'bash') {
    if (!problems.some((p) => p.startsWith('env.shell'))) problems.push('env.shell must be bash');
  }

  const phases: Partial<Record<PhaseName, BuildSpecPhase>> = {};
  if (!isObject(doc.phases)) problems.push('phases must be a mapping');
  else {
    unknownKeys(doc.phases, PHASE_NAMES, 'phases', problems);
    for (const name of PHASE_NAMES) {
      const phase = doc.phases[name];
      if (phase === undefined) continue;
      if (!isObject(phase)) {
        problems.push(`phases.${name} must be a mapping`);
        continue;
      }
      unknownKeys(phase, ['commands', 'finally', 'on-failure'], `phases.${name}`, problems);
      const onFailure = phase['on-failure'] ?? 'ABORT';
      if (onFailure !== 'ABORT' && onFailure !== 'CONTINUE') {
        problems.push(`phases.${name}.on-failure must be ABORT or CONTINUE`);
      }
      phases[name] = {
        commands: stringList(phase.commands, `phases.${name}.commands`, problems),
        finally: stringList(phase.finally, `phases.${name}.finally`, problems),
        onFailure: onFailure === 'CONTINUE' ? 'CONTINUE' : 'ABORT',
      };
    }
  }

  let artifacts: BuildSpecArtifacts | undefined;
  if (doc.artifacts !== undefined) {
    if (!isObject(doc.artifacts)) problems.push('artifacts must be a mapping');
    else {
      unknownKeys(doc.artifacts, ['files', 'base-directory', 'discard-paths', 'name'], 'artifacts', problems);
      const discard = scalar(doc.artifacts['discard-paths']) ?? 'no';
      artifacts = {
        files: stringList(doc.artifacts.files, 'artifacts.files', problems),
        baseDirectory: scalar(doc.artifacts['base-directory']) ?? '.',
        discardPaths: discard === 'yes' || discard === 'true',
      };
    }
  }

  const reports: Record<string, BuildSpecReportGroup> = {};
  if (doc.reports !== undefined) {
    if (!isObject(doc.reports)) problems.push('reports must be a mapping');
    else {
      for (const [group, settings] of Object.entries(doc.reports)) {
        if (!isObject(settings)) {
          problems.push(`reports.${group} must be a mapping`);
          continue;
        }
        unknownKeys(
          settings,
          ['files', 'base-directory', 'file-format', 'discard-paths'],
          `reports.${group}`,
          problems,
        );
        reports[group] = {
          files: stringList(settings.files, `reports.${group}.files`, problems),
          baseDirectory: scalar(settings['base-directory']) ?? '.',
          fileFormat: scalar(settings['file-format']) ?? 'JUNITXML',
        };
      }
    }
  }

  if (problems.length > 0) throw new BuildSpecFormatError(file, problems);
  return { file, variables, exportedVariables, phases, artifacts, reports };
}

export function loadBuildSpecFile(file: string, generated: GeneratedLibraryFiles = {}): BuildSpec {
  return parseBuildSpec(fs.readFileSync(file, 'utf8'), file, undefined, generated);
}
