import { z } from 'zod';
import { describe, exactVersionSchema, requiredString } from './schema-primitives';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

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

export type ScannersConfig = z.output<typeof scannersSchema>;
export type TflintPlugin = z.output<typeof tflintPluginSchema>;
