import { z } from 'zod';
import { describe, requiredString } from './schema-primitives';
import { didYouMean } from './suggest';

/** Release fields a Terraform variable can receive (`layout.variables`). */
export const RELEASE_FIELDS = [
  'environment',
  'scope',
  'targetRegion',
  'team',
  'account',
  'version',
  'tag',
  'commit',
] as const;
export type ReleaseField = (typeof RELEASE_FIELDS)[number];

/** Terraform variable -> release field when `layout.variables` is not set. */
export const DEFAULT_LAYOUT_VARIABLES: Readonly<Record<string, ReleaseField>> = {
  region: 'targetRegion',
  account: 'account',
  environment: 'environment',
  team: 'team',
  release_version: 'version',
};

/** Placeholders of `layout.varFiles`: {scope} is the region or "global"; {region} the target region. */
export const VAR_FILE_PLACEHOLDERS = ['env', 'team', 'scope', 'region'] as const;

const PATH_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** What is wrong with a repository-relative path, or undefined. Placeholders only where `placeholders` is set. */
function repoPathProblem(
  value: string,
  options: { readonly allowRoot: boolean; readonly placeholders: boolean },
): string | undefined {
  const shown = JSON.stringify(value);
  if (value === '.')
    return options.allowRoot ? undefined : `${shown}: name a folder (the root "." is not allowed here)`;
  if (value === '') return 'must not be empty';
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) {
    return `${shown} is absolute: use a path relative to the repository root`;
  }
  if (value.includes('\\')) return `${shown}: separate folders with "/"`;
  const segments = value.split('/');
  if (segments.includes('..')) return `${shown} escapes the repository (".." is not allowed)`;
  if (segments.some((segment) => segment === '' || segment === '.')) {
    return `${shown}: write the path without "./", "//" or a trailing "/"`;
  }
  let plain = value;
  if (options.placeholders) {
    for (const match of value.matchAll(/\{([^{}]*)\}/g)) {
      const name = match[1] as string;
      if (!(VAR_FILE_PLACEHOLDERS as readonly string[]).includes(name)) {
        return `unknown placeholder {${name}} in ${shown}${didYouMean(name, VAR_FILE_PLACEHOLDERS)}; allowed: ${VAR_FILE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
      }
    }
    plain = value.replace(/\{[^{}]*\}/g, 'x');
    if (/[{}]/.test(plain)) return `${shown} has an unmatched "{" or "}"`;
  }
  if (!plain.split('/').every((segment) => PATH_SEGMENT.test(segment))) {
    return `${shown} is not a relative path inside the repository (letters, digits, "_", ".", "-" and "/"${options.placeholders ? ', placeholders such as {env}' : ''})`;
  }
  return undefined;
}

function repoPathSchema(
  what: string,
  options: { readonly allowRoot: boolean; readonly placeholders: boolean },
) {
  return requiredString(what).superRefine((value, ctx) => {
    const problem = repoPathProblem(value, options);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const rootFolderSchema = repoPathSchema('a folder relative to the repository root, or "."', {
  allowRoot: true,
  placeholders: false,
});

const TF_IDENT = '[A-Za-z_][A-Za-z0-9_-]*';
const TF_INDEX = '(?:\\[(?:[0-9]+|"[A-Za-z0-9_.:/@+=-]*")\\])?';
const TF_MODULE = `module\\.${TF_IDENT}${TF_INDEX}`;
const TF_RESOURCE = `(?:data\\.)?${TF_IDENT}\\.${TF_IDENT}${TF_INDEX}`;
/** A Terraform module or resource address as `-target` takes it: `module.regional`, `module.a["x"].aws_vpc.main`. */
export const TF_ADDRESS_PATTERN = new RegExp(`^(?:${TF_MODULE}\\.)*(?:${TF_MODULE}|${TF_RESOURCE})$`);

const targetSchema = requiredString('a Terraform address such as module.regional')
  .superRefine((value, ctx) => {
    if (value.length > 200 || !TF_ADDRESS_PATTERN.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is not a Terraform module or resource address (such as module.regional, module.app["eu"], aws_vpc.main)`,
      });
    }
  })
  .meta({ pattern: TF_ADDRESS_PATTERN.source });

/** Names Terraform refuses for variables. */
const RESERVED_TF_VARIABLES = [
  'source',
  'version',
  'providers',
  'count',
  'for_each',
  'lifecycle',
  'depends_on',
  'locals',
];
const TF_VARIABLE_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

const releaseFieldSchema = z.enum(RELEASE_FIELDS, {
  error: (issue) =>
    typeof issue.input === 'string'
      ? `${JSON.stringify(issue.input)} is not a release field${didYouMean(issue.input, RELEASE_FIELDS)}; allowed: ${RELEASE_FIELDS.join(', ')}`
      : `must be a release field (${RELEASE_FIELDS.join(', ')}); found ${describe(issue.input)}`,
});

export const layoutSchema = z
  .strictObject({
    regional: rootFolderSchema
      .default('regional')
      .describe('Root module for <env>_<region>/… tags ("." allowed).'),
    global: rootFolderSchema.default('global').describe('Root module for <env>_global/… tags ("." allowed).'),
    vars: repoPathSchema('a relative folder path', { allowRoot: false, placeholders: false })
      .default('vars')
      .describe('Folder holding the layered *.tfvars files (unused when varFiles is set).'),
    targets: z
      .strictObject({
        regional: targetSchema.optional().describe('-target of region releases, e.g. module.regional.'),
        global: targetSchema.optional().describe('-target of global releases, e.g. module.global.'),
      })
      .optional()
      .describe('Optional -target per scope (a single root module holding both scopes).'),
    varFiles: z
      .array(
        repoPathSchema('a var file path relative to the repository root', {
          allowRoot: false,
          placeholders: true,
        }).superRefine((value, ctx) => {
          if (!/\.tfvars(\.json)?$/.test(value)) {
            ctx.addIssue({
              code: 'custom',
              message: `${JSON.stringify(value)} must end with .tfvars or .tfvars.json`,
            });
          }
        }),
        { error: (issue) => `must be a list of var file paths; found ${describe(issue.input)}` },
      )
      .min(1, { error: 'must list at least one file (or remove varFiles to use the vars/ layering)' })
      .superRefine((files, ctx) => {
        files.forEach((file, index) => {
          const first = files.indexOf(file);
          if (first !== index) {
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `"${file}" is listed twice (also varFiles[${first}])`,
            });
          }
        });
      })
      .optional()
      .describe(
        'Var files applied in this order (later wins; absent files are skipped), replacing the vars/ layering. Placeholders: {env}, {team}, {scope} (region or "global"), {region} (target region).',
      ),
    variables: z
      .record(
        z
          .string()
          .regex(TF_VARIABLE_PATTERN)
          .refine((name) => !RESERVED_TF_VARIABLES.includes(name)),
        releaseFieldSchema,
        {
          error: (issue) =>
            issue.code === 'invalid_key'
              ? RESERVED_TF_VARIABLES.includes(String(issue.input))
                ? `"${String(issue.input)}" is reserved by Terraform and cannot name a variable`
                : `${JSON.stringify(issue.input)} is not a Terraform variable name`
              : `must be a mapping of Terraform variable name to release field; found ${describe(issue.input)}`,
        },
      )
      .refine((variables) => Object.keys(variables).length > 0, {
        error: 'must map at least one variable (or remove the key for the defaults)',
      })
      .default({ ...DEFAULT_LAYOUT_VARIABLES })
      .describe(
        `Terraform variable -> release field (${RELEASE_FIELDS.join(', ')}), passed when the root module declares the variable; replaces the default region/account/environment/team/release_version.`,
      ),
  })
  .describe('Infra repository layout. Default: regional/, global/, vars/.');

export type LayoutConfig = z.output<typeof layoutSchema>;
