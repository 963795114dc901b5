import { closest } from '../config/suggest';
import type { FactoryModel } from '../config/model';
import { GLOBAL_SCOPE, lockTableName, pipelineName, stateBucketName, stateKey } from '../naming';
import { parseTag, type TagRejection, type TagRejectionCode } from './tag-grammar';

/** Everything a release tag resolves to: what runs where, with which state. */
export interface Release {
  readonly tag: string;
  readonly environment: string;
  /** The tag's scope: a configured region, or `global`. */
  readonly region: string;
  /** The AWS region Terraform runs against: the scope, or factory `globalRegion` for `global`. */
  readonly targetRegion: string;
  readonly team: string;
  /** The version exactly as written in the tag (a leading `v` is kept). */
  readonly version: string;
  readonly stateKey: string;
  readonly stateBucket: string;
  /** DynamoDB lock table, when `locking: dynamodb`. */
  readonly lockTable?: string;
  readonly locking: 's3-lockfile' | 'dynamodb';
  /** Workload account of the team in this environment. */
  readonly account: string;
  readonly pipeline: string;
}

export type ReleaseResult = { readonly ok: true; readonly release: Release } | TagRejection;

function reject(code: TagRejectionCode, reason: string): TagRejection {
  return { ok: false, code, reason };
}

/**
 * A suggestion for an unknown environment or team. Tags and configured names are both lowercase (the grammar
 * refuses anything else first), so a case-only difference cannot reach this point.
 */
function hint(value: string, candidates: readonly string[]): string {
  const match = closest(value, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}

/** Parses a tag and resolves it against the configuration. Pure: no AWS, no disk. */
export function resolveRelease(tag: unknown, config: FactoryModel): ReleaseResult {
  const parsed = parseTag(tag);
  if (!parsed.ok) return parsed;
  const { environment, scope, team, version } = parsed.parts;
  const env = config.environments.find((e) => e.environment === environment);
  if (env === undefined) {
    const names = config.environments.map((e) => e.environment);
    return reject(
      'unknown-environment',
      `environment "${environment}" is not configured (configured: ${names.join(', ')})${hint(environment, names)}`,
    );
  }
  if (scope !== GLOBAL_SCOPE && !env.regions.includes(scope as (typeof env.regions)[number])) {
    return reject(
      'unknown-region',
      `region ${scope} is not configured for ${environment} (configured: ${env.regions.join(', ')}, or ${GLOBAL_SCOPE})`,
    );
  }
  const teamConfig = Object.prototype.hasOwnProperty.call(env.teams, team) ? env.teams[team] : undefined;
  if (teamConfig === undefined) {
    const teams = Object.keys(env.teams).sort();
    return reject(
      'unknown-team',
      `team "${team}" is not configured for ${environment} (configured: ${teams.join(', ')})${hint(team, teams)}`,
    );
  }
  const { factory } = config;
  const release: Release = {
    tag: tag as string,
    environment,
    region: scope,
    targetRegion: scope === GLOBAL_SCOPE ? factory.globalRegion : scope,
    team,
    version,
    stateKey: stateKey(team, environment, scope),
    stateBucket: stateBucketName(factory.stateBucketPrefix, environment),
    ...(factory.locking === 'dynamodb'
      ? { lockTable: lockTableName(factory.stateBucketPrefix, environment) }
      : {}),
    locking: factory.locking,
    account: teamConfig.account,
    pipeline: pipelineName(factory.pipelineNamePrefix, environment),
  };
  return { ok: true, release };
}
