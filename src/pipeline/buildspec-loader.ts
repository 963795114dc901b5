import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../local/project-paths';
import { BuildSpecLibraryError, composeBuildSpec, type GeneratedLibraryFiles } from './buildspec-compose';

/** The buildspec files of `buildspecs/`, one per pipeline action. */
export const BUILDSPEC_NAMES = ['tflint', 'checkov', 'tfsec', 'plan', 'apply'] as const;
export type BuildSpecName = (typeof BUILDSPEC_NAMES)[number];

/** The buildspec of the tools-bundle builder (tooling stack), not a pipeline action. */
export const TOOLS_BUNDLE_BUILDSPEC = 'tools-bundle';

/** A parsed buildspec (version 0.2), as CodeBuild reads it. */
export type BuildSpecDocument = Record<string, unknown> & {
  readonly version: string | number;
  readonly phases: Record<string, unknown>;
};

/** A buildspec file that is missing or not a usable CodeBuild buildspec. Names the file and what is wrong. */
export class BuildSpecError extends Error {
  constructor(
    public readonly file: string,
    public readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'BuildSpecError';
  }
}

const PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;

/** Folder of the buildspec files: `buildspecs/` at the project root. */
export function defaultBuildSpecDir(): string {
  return path.join(projectRoot(), 'buildspecs');
}

/**
 * Reads and checks `buildspecs/<name>.yml`. The file is data: it is parsed here, composed with its shared library
 * (`#tfpf:lib` markers, see buildspec-compose.ts) and inlined into the CodeBuild project at synth; nothing else in
 * it is rewritten except report group names (see `bindReportGroups`).
 */
export function loadBuildSpec(
  name: BuildSpecName | typeof TOOLS_BUNDLE_BUILDSPEC,
  dir: string = defaultBuildSpecDir(),
  generated: GeneratedLibraryFiles = {},
): BuildSpecDocument {
  const file = path.resolve(dir, `${name}.yml`);
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BuildSpecError(
      shown,
      code === 'ENOENT'
        ? `buildspec "${name}" is missing: the ${name} action needs this file (see DESIGN.md §5)`
        : `cannot read the buildspec: ${String(error)}`,
    );
  }
  // Every environment stack loads the same five files: parse each distinct text once per process.
  const cacheKey = `${file}\0${JSON.stringify(generated)}`;
  const cached = parsedCache.get(cacheKey);
  if (cached !== undefined && cached.text === text) return cached.spec;
  let parsed: unknown;
  try {
    parsed = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new BuildSpecError(shown, `not valid YAML: ${(error as Error).message}`);
  }
  let spec = checkBuildSpec(parsed, shown);
  try {
    spec = composeBuildSpec(spec, path.dirname(file), generated);
  } catch (error) {
    if (error instanceof BuildSpecLibraryError) throw new BuildSpecError(shown, error.message);
    throw error;
  }
  parsedCache.set(cacheKey, { text, spec });
  return spec;
}

/** Parsed buildspecs by absolute path, with the text they were parsed from. Treat the documents as read-only. */
const parsedCache = new Map<string, { text: string; spec: BuildSpecDocument }>();

/** Checks the shape CodeBuild requires (version 0.2, at least one phase with commands). */
export function checkBuildSpec(parsed: unknown, file: string): BuildSpecDocument {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BuildSpecError(file, 'must be a YAML mapping (version, env, phases, …)');
  }
  const doc = parsed as Record<string, unknown>;
  if (String(doc.version) !== '0.2') {
    throw new BuildSpecError(file, `version must be 0.2; found ${JSON.stringify(doc.version)}`);
  }
  const phases = doc.phases;
  if (phases === null || typeof phases !== 'object' || Array.isArray(phases)) {
    throw new BuildSpecError(file, 'phases must be a mapping of install/pre_build/build/post_build');
  }
  const phaseMap = phases as Record<string, unknown>;
  const unknown = Object.keys(phaseMap).filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new BuildSpecError(file, `unknown phase(s) ${unknown.join(', ')}; allowed: ${PHASES.join(', ')}`);
  }
  if (!PHASES.some((p) => phaseMap[p] !== undefined)) {
    throw new BuildSpecError(file, 'defines no phase');
  }
  return doc as BuildSpecDocument;
}

/**
 * Points the buildspec's `reports:` groups at report groups created by the stack (by ARN), so CodeBuild never
 * creates report groups on its own (which would need broad `codebuild:CreateReportGroup` rights). Every group the
 * buildspec declares must be in `groups`; the result is a new object.
 */
export function bindReportGroups(
  spec: BuildSpecDocument,
  groups: Readonly<Record<string, string>>,
  file: string,
): BuildSpecDocument {
  const reports = spec.reports;
  if (reports === undefined) {
    if (Object.keys(groups).length > 0) {
      throw new BuildSpecError(
        file,
        `declares no reports: group; expected ${Object.keys(groups).join(', ')}`,
      );
    }
    return spec;
  }
  if (reports === null || typeof reports !== 'object' || Array.isArray(reports)) {
    throw new BuildSpecError(file, 'reports must be a mapping of report group name to settings');
  }
  const bound: Record<string, unknown> = {};
  for (const [name, settings] of Object.entries(reports as Record<string, unknown>)) {
    const arn = groups[name];
    if (arn === undefined) {
      const known = Object.keys(groups);
      throw new BuildSpecError(
        file,
        `report group "${name}" has no report group in the stack (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
      );
    }
    bound[arn] = settings;
  }
  for (const name of Object.keys(groups)) {
    if (!(name in (reports as Record<string, unknown>))) {
      throw new BuildSpecError(file, `declares no "${name}" report group`);
    }
  }
  return { ...spec, reports: bound };
}
