import { z } from 'zod';
import { AWS_REGIONS } from './aws-regions';
import { driftSchema } from './drift-schema';
import { layoutSchema } from './layout-schema';
import { notificationsSchema } from './notifications-schema';
import { scannersSchema } from './scanners-schema';
import { describe, exactVersionSchema, requiredString } from './schema-primitives';
import { didYouMean } from './suggest';

export { EXACT_VERSION_PATTERN } from './schema-primitives';
export {
  DEFAULT_LAYOUT_VARIABLES,
  layoutSchema,
  RELEASE_FIELDS,
  TF_ADDRESS_PATTERN,
  VAR_FILE_PLACEHOLDERS,
  type LayoutConfig,
  type ReleaseField,
} from './layout-schema';
export {
  DEFAULT_DRIFT_CONCURRENCY,
  driftSchema,
  MAX_DRIFT_CONCURRENCY,
  type DriftConfig,
} from './drift-schema';
export { notificationsSchema, type NotificationsConfig } from './notifications-schema';
export {
  SCANNER_REPO_CONFIG_MODES,
  scannersSchema,
  SEVERITIES,
  type ScannerName,
  type ScannersConfig,
  type Severity,
  type TflintPlugin,
} from './scanners-schema';

/** Environment and team names: also used in tags, state keys, bucket and role names. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const BUCKET_PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
const BRANCH_PATTERN = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!\/)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]{1,100}$/;

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

/** Where a CodeBuild project runs: CodeBuild Lambda compute (starts in seconds) or EC2 compute. */
export const COMPUTE_KINDS = ['lambda', 'ec2'] as const;
export type ComputeKind = (typeof COMPUTE_KINDS)[number];

const computeKindSchema = z.enum(COMPUTE_KINDS, {
  error: (issue) => `must be "lambda" or "ec2"; found ${describe(issue.input)}`,
});

export const computeSchema = z
  .strictObject({
    scanners: computeKindSchema
      .optional()
      .describe(
        'Compute of tflint, checkov and tfsec. Default: lambda where CodeBuild offers Lambda compute in the tooling region, else ec2.',
      ),
    plan: computeKindSchema
      .optional()
      .describe(
        'Compute of terraform plan. Default: lambda where CodeBuild offers Lambda compute in the tooling region, else ec2. Lambda compute stops a build after 15 minutes.',
      ),
    apply: computeKindSchema
      .optional()
      .describe('Compute of terraform apply. Default: ec2 (no 15-minute limit).'),
  })
  .describe(
    'CodeBuild compute per action. "lambda" is refused where CodeBuild has no Lambda compute (most regions, aws-cn, aws-us-gov).',
  );

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
    compute: computeSchema.default({}),
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

export const promotionSchema = z
  .strictObject({
    from: nameSchema.describe(
      'Source environment: a release tag of this environment starts only when its commit has been applied there (at any time) for the same team and scope.',
    ),
  })
  .describe('Promotion gate: releases here must have been applied in another environment first.');

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
    promotion: promotionSchema.optional(),
    drift: driftSchema.optional(),
    notifications: notificationsSchema.optional(),
  })
  .describe('One environment (pipelines/<env>.yaml).');

export type FactoryConfig = z.output<typeof factorySchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type ToolsConfig = z.output<typeof toolsSchema>;
export type ComputeConfig = z.output<typeof computeSchema>;
export type PromotionConfig = z.output<typeof promotionSchema>;
export type TeamConfig = z.output<typeof teamSchema>;
