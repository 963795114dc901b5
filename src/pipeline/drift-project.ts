import { Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { EnvironmentModel, FactoryModel } from '../config/model';
import { defaultBuildSpecDir, loadBuildSpec } from './buildspec-loader';
import type { ProjectCompute, ResolvedCompute } from './compute';
import {
  buildEnvironment,
  buildSpecFile,
  staticBuildEnvironment,
  toolsLockFiles,
  withoutCache,
} from './terraform-projects';

/** Name of an environment's drift project: `<prefix>-<env>-drift` (the drift state machine starts it by name). */
export function driftProjectName(prefix: string, environment: string): string {
  return `${prefix}-${environment}-drift`;
}

export interface DriftProjectProps {
  readonly config: FactoryModel;
  readonly environment: EnvironmentModel;
  /** The infra repository: the build checks out the applied release's commit (the state machine's source version). */
  readonly repository: codecommit.IRepository;
  /**
   * The plan project role: the workload plan roles trust exactly this role, and the drift build needs nothing the
   * release's own plan build does not have (plus reading the repository).
   */
  readonly planRole: iam.IRole;
  /** The plan project's tools-bundle variables (its role already reads that bundle). */
  readonly toolsBundleEnvironment?: Readonly<Record<string, string>>;
  /** The environment's pipeline key (build logs). */
  readonly encryptionKey: kms.IKey;
  readonly compute: ResolvedCompute;
  readonly buildSpecDir?: string;
  /** Retention of the build logs. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The environment's drift project: the plan buildspec (the same file and library as the pipeline's plan action) in
 * drift mode (`TFPF_MODE=drift`), with the CodeCommit repository as source and no artifacts, so nothing it plans
 * can reach an apply. It runs only from the drift state machine, with the release's values as environment overrides
 * and its commit as source version; it reports through exported variables (DRIFT_*) and can write no record, topic
 * or event: the plan project role has no such permission.
 */
export class DriftProject extends Construct {
  public readonly project: codebuild.Project;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DriftProjectProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const env = props.environment.environment;
    const prefix = props.config.factory.pipelineNamePrefix;
    const buildSpecDir = props.buildSpecDir ?? defaultBuildSpecDir();
    const spec = withoutCache(loadBuildSpec('plan', buildSpecDir, toolsLockFiles(props.config)));
    const specAsset = new s3assets.Asset(this, 'BuildSpec', { path: buildSpecFile(spec) });
    const specArn = `arn:${stack.partition}:s3:::${specAsset.s3BucketName}/${specAsset.s3ObjectKey}`;
    const compute = props.compute.plan;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.encryptionKey,
    });
    const environment = {
      ...staticBuildEnvironment(props.config, env, stack.region, stack.account, stack.partition),
      ...props.toolsBundleEnvironment,
      TFPF_COMPUTE: compute.kind,
      TFPF_MODE: 'drift',
    };
    this.project = new codebuild.Project(this, 'Project', {
      projectName: driftProjectName(prefix, env),
      description: `tfpf ${env}: scheduled drift check (terraform plan -detailed-exitcode of an applied release, read-only plan role, no artifact)`,
      // Full clone: the source version is an arbitrary commit of the repository.
      source: codebuild.Source.codeCommit({ repository: props.repository }),
      buildSpec: codebuild.BuildSpec.fromSourceFilename(specArn),
      role: props.planRole,
      encryptionKey: props.encryptionKey,
      environment: buildEnvironment(compute.size as ProjectCompute),
      environmentVariables: Object.fromEntries(
        Object.entries(environment).map(([k, value]) => [
          k,
          { type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value },
        ]),
      ),
      logging: { cloudWatch: { logGroup: this.logGroup } },
      ...(compute.kind === 'ec2' ? { timeout: Duration.minutes(60) } : {}),
    });
    // Exactly its own buildspec object.
    this.project.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [specArn] }),
    );
  }
}
