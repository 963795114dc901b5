import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * EventBridge patterns kept as data in `rules/*.json`, one file per rule. The files hold placeholders that are
 * filled from the configuration, so the same files feed the CDK rules, moto's `PutRule` and `TestEventPattern`:
 *
 * - `"{{repositoryArn}}"` — a whole string value, replaced by the infra repository ARN;
 * - `"{{repositoryName}}"` — a whole string value, replaced by the repository name;
 * - `{{environment}}` — anywhere inside an element of a list: the element is repeated once per configured
 *   environment with the placeholder replaced by the name (`[{ "prefix": "{{environment}}_" }]` becomes
 *   `[{ "prefix": "dev_" }, { "prefix": "qa_" }, …]`).
 *
 * Any other `{{…}}` is an error, so a typo cannot produce a rule that silently matches nothing.
 */

/** JSON value of an event pattern. */
export type PatternValue =
  string | number | boolean | null | PatternValue[] | { [key: string]: PatternValue };
export type EventPatternJson = { [key: string]: PatternValue };

export interface RuleTemplate {
  /** File name without `.json`, e.g. `tag-created`; also the rule's construct id. */
  readonly name: string;
  readonly file: string;
  readonly pattern: EventPatternJson;
}

export interface PatternValues {
  readonly repositoryArn: string;
  readonly repositoryName: string;
  readonly environments: readonly string[];
}

/** Thrown for an unreadable rule file or an unknown placeholder; names the file and the problem. */
export class RulePatternError extends Error {
  override readonly name = 'RulePatternError';
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const WHOLE_VALUE_PLACEHOLDERS = ['repositoryArn', 'repositoryName'] as const;
const ENVIRONMENT = '{{environment}}';

function isObject(value: unknown): value is { [key: string]: PatternValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads every `*.json` file of `dir` (sorted by name) as a rule template. */
export function loadRuleTemplates(dir: string): RuleTemplate[] {
  let files: string[];
  try {
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (error) {
    throw new RulePatternError(`cannot read rule folder ${dir}: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new RulePatternError(`${dir} holds no *.json rule patterns`);
  return files.map((file) => {
    const full = path.join(dir, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(full, 'utf8'));
    } catch (error) {
      throw new RulePatternError(`${full}: not valid JSON: ${(error as Error).message}`);
    }
    if (!isObject(parsed)) throw new RulePatternError(`${full}: an event pattern must be a JSON object`);
    checkPlaceholders(parsed, full);
    return { name: file.slice(0, -'.json'.length), file: full, pattern: parsed };
  });
}

function checkPlaceholders(value: PatternValue, file: string, inList = false): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(PLACEHOLDER)) {
      const name = match[1] ?? '';
      if ((WHOLE_VALUE_PLACEHOLDERS as readonly string[]).includes(name)) {
        if (value !== match[0]) {
          throw new RulePatternError(`${file}: {{${name}}} must be a whole string value, found "${value}"`);
        }
      } else if (name === 'environment') {
        if (!inList)
          throw new RulePatternError(`${file}: ${ENVIRONMENT} may only appear inside a list element`);
      } else {
        throw new RulePatternError(
          `${file}: unknown placeholder {{${name}}} (known: {{repositoryArn}}, {{repositoryName}}, ${ENVIRONMENT})`,
        );
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) checkPlaceholders(item, file, true);
  } else if (isObject(value)) {
    for (const item of Object.values(value)) checkPlaceholders(item, file, inList);
  }
}

function substitute(value: PatternValue, values: PatternValues, environment?: string): PatternValue {
  if (typeof value === 'string') {
    if (value === '{{repositoryArn}}') return values.repositoryArn;
    if (value === '{{repositoryName}}') return values.repositoryName;
    return environment === undefined ? value : value.split(ENVIRONMENT).join(environment);
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) =>
      environment === undefined && JSON.stringify(item).includes(ENVIRONMENT)
        ? values.environments.map((env) => substitute(item, values, env))
        : [substitute(item, values, environment)],
    );
  }
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values, environment)]));
  }
  return value;
}

/** Fills a template's placeholders. Pure; the template is not modified. */
export function renderPattern(template: EventPatternJson, values: PatternValues): EventPatternJson {
  if (values.environments.length === 0) throw new RulePatternError('no environments configured');
  return substitute(template, values) as EventPatternJson;
}

/** `arn:<partition>:codecommit:<region>:<account>:<name>` with the partition derived from the region. */
export function codeCommitRepositoryArn(region: string, account: string, name: string): string {
  return `arn:${partitionOf(region)}:codecommit:${region}:${account}:${name}`;
}

/** AWS partition of a region code. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}
