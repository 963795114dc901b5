import { z } from 'zod';
import { AWS_REGIONS } from './aws-regions';
import { didYouMean } from './suggest';

/** Environment and team names: also used in tags, state keys, bucket and role names. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;
/** Exact tool versions: `1.9.8`, never ranges, `latest` or pre-releases. */
export const EXACT_VERSION_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const BUCKET_PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
const BRANCH_PATTERN = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!\/)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]{1,100}$/;

function describe(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'number') return `the unquoted number ${String(input)}`;
  return `${typeof input} ${JSON.stringify(input)}`;
}

function requiredString(what: string): z.ZodString {
  return z.string({
    error: (issue) =>
      issue.input === undefined ? `is required (${what})` : `must be ${what}; found ${describe(issue.input)}`,
  });
}

export const nameSchema = requiredString('a name matching ^[a-z][a-z0-9-]{0,30}$').regex(NAME_PATTERN, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter`,
});

export const regionSchema = z.enum(AWS_REGIONS, {
  error: (issue) =>
    typeof issue.input === 'string'
      ? `${JSON.stringify(issue.input)} is not an AWS region${didYouMean(issue.input, AWS_REGIONS)}`
      : `must be an AWS region code such as "eu-central-1"; found ${describe(issue.input)}`,
});

const exactVersionSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required (an exact version such as "1.9.8")'
        : `must be an exact version such as "1.9.8" written as a string; found ${describe(issue.input)}${
            typeof issue.input === 'number' ? ' (YAML reads 0.64 as a number: quote the version)' : ''
          }`,
  })
  .regex(EXACT_VERSION_PATTERN, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not an exact version: use MAJOR.MINOR.PATCH such as "1.9.8" (no ranges, "v", "latest" or pre-releases)`,
  });

const accountSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required (a 12-digit AWS account ID in quotes, such as "111111111111")'
        : typeof issue.input === 'number'
          ? `must be a quoted 12-digit string such as "111111111111"; YAML read the unquoted number ${String(issue.input)} (quote it: leading zeros in account IDs are significant)`
          : `must be a quoted 12-digit AWS account ID; found ${describe(issue.input)}`,
  })
  .regex(ACCOUNT_PATTERN, {
    error: (issue) => `${JSON.stringify(issue.input)} is not an AWS account ID: use exactly 12 digits`,
  });

const booleanSchema = (what: string): z.ZodBoolean =>
  z.boolean({ error: (issue) => `must be true or false (${what}); found ${describe(issue.input)}` });

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const toolsSchema = z.strictObject({
  engine: z
    .enum(['terraform', 'opentofu'], {
      error: (issue) => `must be "terraform" or "opentofu"; found ${describe(issue.input)}`,
    })
    .default('terraform')
    .describe('Which engine the buildspecs run. Default: terraform.'),
  terraform: exactVersionSchema.describe('Terraform version installed by CodeBuild, e.g. "1.12.2".'),
  opentofu: exactVersionSchema.optional().describe('OpenTofu version; required when engine is "opentofu".'),
  tflint: exactVersionSchema.describe('tflint version, e.g. "0.64.0".'),
  tfsec: exactVersionSchema.describe('tfsec version, e.g. "1.28.13".'),
  checkov: exactVersionSchema.describe('checkov version, e.g. "3.3.30".'),
});

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

const CHECKOV_ID = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const TFSEC_ID = /^(?:[a-z0-9]+(?:-[a-z0-9]+)+|AVD-[A-Z0-9]+-[0-9]+|[A-Z]+[0-9]+)$/;
const TFLINT_ID = /^[a-z0-9]+(?:_[a-z0-9]+)+$/;
const SCANNER_IDS = {
  checkov: { pattern: CHECKOV_ID, example: 'CKV_AWS_144' },
  tfsec: { pattern: TFSEC_ID, example: 'aws-s3-enable-bucket-logging' },
  tflint: { pattern: TFLINT_ID, example: 'terraform_unused_declarations' },
} as const;
export type ScannerName = keyof typeof SCANNER_IDS;

function skipListSchema(tool: ScannerName) {
  const { pattern, example } = SCANNER_IDS[tool];
  const skip = z.strictObject({
    id: requiredString(`a ${tool} check ID such as ${example}`)
      .superRefine((id, ctx) => {
        if (id.includes('*')) {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(id)}: wildcards are not allowed; name each skipped check with its own reason`,
          });
        } else if (!pattern.test(id)) {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(id)} is not a ${tool} check ID (such as ${example})`,
          });
        }
      })
      .meta({ pattern: pattern.source }),
    reason: requiredString('why the check is skipped').superRefine((reason, ctx) => {
      if (reason.trim() === '')
        ctx.addIssue({ code: 'custom', message: 'must say why the check is skipped' });
      else if ([...reason].some((c) => c < ' ' || c === '\u007f') || reason.length > 300) {
        ctx.addIssue({ code: 'custom', message: 'must be one line of at most 300 characters' });
      }
    }),
  });
  return z
    .array(skip, { error: (issue) => `must be a list of { id, reason }; found ${describe(issue.input)}` })
    .superRefine((skips, ctx) => {
      skips.forEach((entry, index) => {
        const first = skips.findIndex((other) => other.id === entry.id);
        if (first !== index) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'id'],
            message: `"${entry.id}" is listed twice (also ${tool}[${first}])`,
          });
        }
      });
    })
    .default([])
    .describe(`${tool} checks the factory skips, each with a written reason.`);
}

const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PLUGIN_SOURCE = /^github\.com\/[A-Za-z0-9_.-]+\/tflint-ruleset-[a-z0-9-]+$/;

const tflintPluginSchema = z
  .strictObject({
    name: requiredString('a tflint plugin name such as aws').regex(PLUGIN_NAME, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a tflint plugin name (lowercase letters, digits, "-")`,
    }),
    version: exactVersionSchema.describe('Exact plugin version, e.g. "0.40.0".'),
    source: requiredString('github.com/<owner>/tflint-ruleset-<name>').regex(PLUGIN_SOURCE, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a tflint plugin source: use github.com/<owner>/tflint-ruleset-<name>`,
    }),
  })
  .superRefine((plugin, ctx) => {
    if (!plugin.source.endsWith(`/tflint-ruleset-${plugin.name}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['source'],
        message: `"${plugin.source}" does not match the name "${plugin.name}": tflint needs the repository tflint-ruleset-${plugin.name}`,
      });
    }
  });

export const SCANNER_REPO_CONFIG_MODES = ['report', 'ignore'] as const;

export const scannersSchema = z
  .strictObject({
    failOn: z
      .enum(SEVERITIES, {
        error: (issue) => `must be one of ${SEVERITIES.join(', ')}; found ${describe(issue.input)}`,
      })
      .default('LOW')
      .describe(
        'Lowest severity that fails a scanner action. Findings without a severity always fail. Default: LOW.',
      ),
    repoConfig: z
      .enum(SCANNER_REPO_CONFIG_MODES, {
        error: (issue) => `must be "report" or "ignore"; found ${describe(issue.input)}`,
      })
      .default('report')
      .describe(
        "The repository's own .checkov.yaml/.checkov.yml, .tfsec/config.* and .tflint.hcl: report (honoured; every check they skip is listed and counted) or ignore (never used). Default: report.",
      ),
    skip: z
      .strictObject({
        checkov: skipListSchema('checkov'),
        tfsec: skipListSchema('tfsec'),
        tflint: skipListSchema('tflint'),
      })
      .prefault({})
      .describe('Checks skipped by the factory, per scanner, each { id, reason }.'),
    tflintPlugins: z
      .array(tflintPluginSchema, {
        error: (issue) => `must be a list of { name, version, source }; found ${describe(issue.input)}`,
      })
      .superRefine((plugins, ctx) => {
        plugins.forEach((plugin, index) => {
          const first = plugins.findIndex((other) => other.name === plugin.name);
          if (first !== index) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `"${plugin.name}" is listed twice (also tflintPlugins[${first}])`,
            });
          }
        });
      })
      .default([])
      .describe(
        'tflint plugins the scans may load, pinned; they come pre-installed from TFLINT_PLUGIN_DIR (tflint --init never runs).',
      ),
  })
  .describe('Security scanner settings.');

export const factorySchema = z
  .strictObject({
    $schema: z.string().optional(),
    repository: requiredString('a CodeCommit repository name')
      .regex(REPOSITORY_PATTERN, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a CodeCommit repository name (1-100 letters, digits, ".", "_", "-")`,
      })
      .describe('CodeCommit repository holding the Terraform code.'),
    importExisting: booleanSchema('import the repository instead of creating it')
      .default(false)
      .describe('Use an existing repository instead of creating one. Default: false.'),
    mainBranch: requiredString('a git branch name')
      .regex(BRANCH_PATTERN, {
        error: (issue) => `${JSON.stringify(issue.input)} is not a valid git branch name`,
      })
      .default('main')
      .describe('Tags must point at commits reachable from this branch. Default: main.'),
    stateBucketPrefix: requiredString('a lowercase S3 bucket name prefix')
      .regex(BUCKET_PREFIX_PATTERN, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} cannot start an S3 bucket name: use lowercase letters, digits and "-", starting and ending with a letter or digit (no dots)`,
      })
      .refine((value) => !value.startsWith('xn--') && !value.startsWith('sthree-'), {
        error: 'must not start with "xn--" or "sthree-" (reserved by S3)',
      })
      .describe('State buckets are <prefix>-<env>; lock tables <prefix>-lock-<env>.'),
    globalRegion: regionSchema.describe('Region that <env>_global/… releases deploy from.'),
    tools: toolsSchema,
    locking: z
      .enum(['s3-lockfile', 'dynamodb'], {
        error: (issue) => `must be "s3-lockfile" or "dynamodb"; found ${describe(issue.input)}`,
      })
      .default('s3-lockfile')
      .describe(
        'State locking: S3 native lockfile (Terraform >= 1.11, OpenTofu >= 1.10) or a DynamoDB table. Default: s3-lockfile.',
      ),
    layout: layoutSchema.prefault({}),
    scanners: scannersSchema.prefault({}),
    protectedEnvironments: z
      .array(nameSchema)
      .default(['prod'])
      .describe('Environments that must require approval. Default: [prod].'),
    pipelineNamePrefix: nameSchema
      .default('tfpf')
      .describe('Pipelines are named <prefix>-<env>. Default: tfpf.'),
  })
  .describe('Terraform Pipeline Factory global settings (pipelines/factory.yaml).');

const teamSchema = z.strictObject({
  account: accountSchema.describe('Workload account of this team in this environment.'),
});

export const approvalSchema = z.strictObject({
  required: booleanSchema('require a manual approval before apply')
    .default(true)
    .describe('Add a manual approval stage before apply. Default: true.'),
  notify: z
    .array(
      z.email({
        error: (issue) => `${JSON.stringify(issue.input)} is not an email address`,
      }),
    )
    .default([])
    .describe('Email addresses subscribed to approval requests.'),
  timeoutMinutes: z
    .number({ error: (issue) => `must be a whole number of minutes; found ${describe(issue.input)}` })
    .int({ error: 'must be a whole number of minutes' })
    .min(5, { error: 'must be at least 5 minutes (CodePipeline minimum)' })
    .max(86400, { error: 'must be at most 86400 minutes (60 days, the CodePipeline maximum)' })
    .default(10080)
    .describe('Minutes an approval waits before it fails. Default: 10080 (7 days).'),
});

export const environmentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    environment: nameSchema.describe('Environment name; must equal the file name.'),
    regions: z
      .array(regionSchema, {
        error: (issue) => `must be a list of AWS regions; found ${describe(issue.input)}`,
      })
      .min(1, { error: 'must list at least one region' })
      .describe('Regions that <env>_<region>/… tags may target.'),
    teams: z
      .record(nameSchema, teamSchema, {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? `${JSON.stringify(issue.input)} is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter`
            : issue.input === undefined
              ? 'is required (a mapping of team name to { account: "<12 digits>" })'
              : `must be a mapping of team name to { account }; found ${describe(issue.input)}`,
      })
      .refine((teams) => Object.keys(teams).length > 0, { error: 'must define at least one team' })
      .describe('Teams and their workload account in this environment.'),
    approval: approvalSchema.default({ required: true, notify: [], timeoutMinutes: 10080 }),
    protected: booleanSchema('refuse this environment without required approval')
      .optional()
      .describe('Require approval here. Default: true when listed in factory protectedEnvironments.'),
  })
  .describe('One environment (pipelines/<env>.yaml).');

export type FactoryConfig = z.output<typeof factorySchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type ToolsConfig = z.output<typeof toolsSchema>;
export type LayoutConfig = z.output<typeof layoutSchema>;
export type TeamConfig = z.output<typeof teamSchema>;
export type ScannersConfig = z.output<typeof scannersSchema>;
export type TflintPlugin = z.output<typeof tflintPluginSchema>;
