import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findEnvironment, type FactoryModel } from '../config';
import { configBuildEnvironment, teamAccounts } from '../config/build-environment';
import { applyRoleName, planRoleName } from '../naming/roles';
import type { Release } from '../tag';
import type { LocalToolchain } from './local-tools';

/** The pipeline's actions: four checks in parallel, then apply after approval. */
export const CHECK_ACTIONS = ['tflint', 'checkov', 'tfsec', 'plan'] as const;
export type CheckAction = (typeof CHECK_ACTIONS)[number];
export type ActionName = CheckAction | 'apply';

/** Locking a local run uses; may differ from factory.yaml when the local engine has no S3 lockfile. */
export interface LocalLocking {
  readonly locking: 's3-lockfile' | 'dynamodb';
  readonly lockTable?: string;
  /** Why it differs from factory.yaml, when it does. */
  readonly note?: string;
}

/** Pipeline variables, as the tag handler passes them to StartPipelineExecution. */
export function pipelineVariables(release: Release, commit: string): Record<string, string> {
  return {
    RELEASE_TAG: release.tag,
    ENVIRONMENT: release.environment,
    REGION: release.region,
    TARGET_REGION: release.targetRegion,
    TEAM: release.team,
    VERSION: release.version,
    STATE_KEY: release.stateKey,
    TARGET_ACCOUNT: release.account,
    COMMIT_ID: commit,
  };
}

/**
 * The CodeBuild projects' static environment (same names as the CDK projects set), with the local tool versions
 * and the local state bucket, region and locking.
 */
export function projectEnvironment(
  config: FactoryModel,
  release: Release,
  toolchain: LocalToolchain,
  state: { readonly bucket: string; readonly region: string; readonly locking: LocalLocking },
): Record<string, string> {
  const { factory } = config;
  const environment = findEnvironment(config, release.environment);
  return {
    STATE_BUCKET: state.bucket,
    STATE_REGION: state.region,
    LOCKING: state.locking.locking,
    ...(state.locking.lockTable !== undefined ? { LOCK_TABLE: state.locking.lockTable } : {}),
    TF_ENGINE: toolchain.engine,
    TF_VERSION: toolchain.engineVersion,
    TFLINT_VERSION: toolchain.versions.tflint,
    TFSEC_VERSION: toolchain.versions.tfsec,
    CHECKOV_VERSION: toolchain.versions.checkov,
    // Layout and scanner settings: the same function the CDK projects take them from.
    ...configBuildEnvironment(factory),
    PLAN_ROLE_NAME: planRoleName(release.environment),
    APPLY_ROLE_NAME: applyRoleName(release.environment),
    TEAM_ACCOUNTS: environment === undefined ? '' : teamAccounts(environment),
    AWS_PARTITION: 'aws',
  };
}

/** Variables of this machine that the builds keep (tools on PATH, locale, certificates, proxies). */
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'TZ',
  'PYENV_ROOT',
  'PYENV_VERSION',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'AWS_CA_BUNDLE',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/**
 * The machine part of a build's environment: a clean one, not the caller's (no stray AWS_* or TF_* values), with
 * a fresh HOME like a new build container (so no ~/.aws CLI credential cache or ~/.terraformrc leaks in).
 */
export function machineEnvironment(tmpDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const home = path.join(tmpDir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const realHome = process.env.HOME;
  if (
    env.PYENV_ROOT === undefined &&
    realHome !== undefined &&
    fs.existsSync(path.join(realHome, '.pyenv'))
  ) {
    env.PYENV_ROOT = path.join(realHome, '.pyenv'); // pyenv shims on PATH find their versions through it
  }
  env.HOME = home;
  env.TMPDIR = tmpDir;
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}

/** CODEBUILD_* variables of one local build (the build URL is a file:// link to its log). */
export function codebuildEnvironment(options: {
  readonly project: string;
  readonly srcDir: string;
  readonly logFile: string;
  readonly commit: string;
  readonly region: string;
  readonly pipeline: string;
  readonly secondarySources?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const id = `${options.project}:${randomUUID()}`;
  const env: Record<string, string> = {
    CODEBUILD_SRC_DIR: options.srcDir,
    CODEBUILD_BUILD_ID: id,
    CODEBUILD_BUILD_ARN: `arn:aws:codebuild:${options.region}:000000000000:build/${id}`,
    CODEBUILD_BUILD_NUMBER: '1',
    CODEBUILD_BUILD_URL: `file://${options.logFile}`,
    CODEBUILD_BUILD_IMAGE: 'tfpf-local',
    CODEBUILD_INITIATOR: `codepipeline/${options.pipeline}`,
    CODEBUILD_RESOLVED_SOURCE_VERSION: options.commit,
    CODEBUILD_SOURCE_VERSION: options.commit,
    CODEBUILD_START_TIME: String(Date.now()),
    CODEBUILD_CI: 'true',
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
  };
  for (const [name, dir] of Object.entries(options.secondarySources ?? {})) {
    env[`CODEBUILD_SRC_DIR_${name}`] = dir;
  }
  return env;
}
