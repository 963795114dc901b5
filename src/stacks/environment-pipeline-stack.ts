import { Annotations, ArnFormat, Duration, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { EnvironmentModel, FactoryModel } from '../config/model';
import { pipelineName } from '../naming';
import { skipCheckov } from '../pipeline/checkov';
import { describeCompute, factoryFileOf, resolveCompute, withComputeOverrides } from '../pipeline/compute';
import { ChatNotifications } from '../pipeline/chat-notifications';
import { DriftProject } from '../pipeline/drift-project';
import { EnvironmentPipeline } from '../pipeline/environment-pipeline';
import { allowLogsEncryption } from '../pipeline/kms-policies';
import { stateResourceArns } from '../pipeline/state-access';
import { describeStageBudget, stageBudget } from '../pipeline/stage-budget';
import { stateNames, type StateNames } from '../pipeline/state-names';
import { TerraformProjects, type ScannerCompute } from '../pipeline/terraform-projects';
import {
  bundlePrefix,
  toolsBundleArns,
  toolsBundleNames,
  type ToolsBundleNames,
} from '../pipeline/tools-bundle-access';
import { acknowledgeNag, acknowledgeWildcards } from './nag';

export interface EnvironmentPipelineStackProps extends StackProps {
  readonly config: FactoryModel;
  readonly environment: EnvironmentModel;
  /** Folder of the buildspec files. Default: `buildspecs/` of the project. */
  readonly buildSpecDir?: string;
  /**
   * Compute of the scanner projects, overriding `compute.scanners` of factory.yaml (refused when both are set and
   * differ). Default: factory.yaml's setting.
   */
  readonly scannerCompute?: ScannerCompute;
}

/** Days pipeline artifacts are kept after an approval could still be pending. */
const ARTIFACT_GRACE_DAYS = 30;

/**
 * One environment's release pipeline: its own KMS key, artifact bucket and approval topic (so no other
 * environment's builds can read or replace its plans), the five CodeBuild projects and the CodePipeline.
 *
 * Nothing here depends on the number of regions or teams: those are values of pipeline variables and entries in
 * IAM policies, never resources. The stack imports nothing from the tooling stack (state and repository are
 * reached by name), so environments can be added and removed independently.
 */
export class EnvironmentPipelineStack extends Stack {
  /** Encrypts this environment's artifacts, build logs and approval topic. */
  public readonly pipelineKey: kms.Key;
  public readonly artifactBucket: s3.Bucket;
  /** Approval requests (email subscriptions from `approval.notify`); absent when approval is not required. */
  public readonly approvalTopic?: sns.Topic;
  public readonly projects: TerraformProjects;
  public readonly pipeline: EnvironmentPipeline;
  /** Drift project (`<prefix>-<env>-drift`); absent without `drift:`. */
  public readonly driftProject?: DriftProject;
  /** AWS Chatbot channel of the approval and failure topics; absent without `notifications:`. */
  public readonly chatNotifications?: ChatNotifications;

  constructor(scope: Construct, id: string, props: EnvironmentPipelineStackProps) {
    const env = props.environment;
    super(scope, id, {
      description: `Terraform Pipeline Factory: release pipeline of the ${env.environment} environment`,
      ...props,
    });
    const { factory } = props.config;
    const name = pipelineName(factory.pipelineNamePrefix, env.environment);

    this.pipelineKey = new kms.Key(this, 'PipelineKey', {
      alias: `alias/${name}-pipeline`,
      description: `tfpf ${env.environment}: pipeline artifacts, build logs and approval requests`,
      enableKeyRotation: true,
    });
    allowLogsEncryption(this.pipelineKey, 'BuildLogs');

    const approvalDays = env.approval.required ? Math.ceil(env.approval.timeoutMinutes / 1440) : 0;
    this.artifactBucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.pipelineKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        {
          id: 'expire-artifacts',
          expiration: Duration.days(approvalDays + ARTIFACT_GRACE_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    const noAccessLogs =
      'Pipeline artifacts are short-lived and read only by this pipeline and its builds; access is recorded by CloudTrail (enable S3 data events for object-level audit)';
    acknowledgeNag(this.artifactBucket, 'AwsSolutions-S1', noAccessLogs);
    skipCheckov(this.artifactBucket, { CKV_AWS_18: noAccessLogs });

    if (env.approval.required) {
      this.approvalTopic = new sns.Topic(this, 'ApprovalTopic', {
        topicName: `${name}-approvals`,
        displayName: `tfpf ${env.environment} approvals`,
        masterKey: this.pipelineKey,
        enforceSSL: true,
      });
      for (const email of env.approval.notify) {
        this.approvalTopic.addSubscription(new subscriptions.EmailSubscription(email));
      }
    }

    const region = Token.isUnresolved(this.region) ? undefined : this.region;
    const compute = resolveCompute(
      withComputeOverrides(props.config, { scanners: props.scannerCompute }),
      region,
      factoryFileOf(props.config),
    );
    this.projects = new TerraformProjects(this, 'Projects', {
      config: props.config,
      environment: env,
      encryptionKey: this.pipelineKey,
      buildSpecDir: props.buildSpecDir,
      compute,
    });

    this.pipeline = new EnvironmentPipeline(this, 'Release', {
      config: props.config,
      environment: env,
      repository: codecommit.Repository.fromRepositoryName(this, 'Repository', factory.repository),
      projects: this.projects,
      artifactBucket: this.artifactBucket,
      approvalTopic: this.approvalTopic,
    });

    const repository = codecommit.Repository.fromRepositoryName(this, 'DriftRepository', factory.repository);
    if (env.drift !== undefined) {
      this.driftProject = new DriftProject(this, 'Drift', {
        config: props.config,
        environment: env,
        repository,
        planRole: this.projects.planRole,
        toolsBundleEnvironment: this.projects.toolsBundleEnvironment,
        encryptionKey: this.pipelineKey,
        compute: this.projects.compute,
        buildSpecDir: props.buildSpecDir,
      });
    }
    if (env.notifications !== undefined) {
      this.chatNotifications = new ChatNotifications(this, 'Chat', {
        name,
        slack: env.notifications.slack,
        topics: [
          ...(this.approvalTopic === undefined ? [] : [this.approvalTopic]),
          sns.Topic.fromTopicArn(
            this,
            'FailureTopic',
            this.formatArn({ service: 'sns', resource: `${factory.pipelineNamePrefix}-failures` }),
          ),
        ],
      });
    }

    this.acknowledgeGrants(stateNames(factory, env.environment), toolsBundleNames(factory));

    // Synth output (`cdk synth` prints info annotations): the compute of each action and the stage budget.
    Annotations.of(this).addInfo(
      `compute: ${describeCompute(compute)}` +
        (region === undefined
          ? ' (region unknown at synth: defaults are EC2; set a region to get Lambda compute where CodeBuild offers it)'
          : ` (${region})`),
    );
    Annotations.of(this).addInfo(describeStageBudget(stageBudget(name, env.approval.required, compute)));
  }

  /** cdk-nag IAM5: the wildcards in this stack's policies, each bounded to this environment's own resources. */
  private acknowledgeGrants(state: StateNames, bundle: ToolsBundleNames): void {
    const artifacts = {
      actions: [
        's3:GetObject*',
        's3:GetBucket*',
        's3:List*',
        's3:DeleteObject*',
        's3:Abort*',
        'kms:GenerateDataKey*',
        'kms:ReEncrypt*',
      ],
      resources: [this.artifactBucket.arnForObjects('*')],
    };
    const artifactReason =
      "CDK pipeline grants: objects of this environment's own artifact bucket and data keys of its own pipeline key; no other environment can use either";
    acknowledgeWildcards(this.pipeline, artifacts, artifactReason);
    acknowledgeWildcards(this.projects, artifacts, artifactReason);

    const projects = [
      ...Object.values(this.projects.projects),
      ...(this.driftProject === undefined ? [] : [this.driftProject.project]),
    ];
    if (this.driftProject !== undefined) {
      acknowledgeWildcards(
        this.projects,
        { actions: ['kms:GenerateDataKey*', 'kms:ReEncrypt*'] },
        "CodeBuild grants of the drift project on this environment's own pipeline key (its build logs)",
      );
    }
    for (const project of projects) {
      acknowledgeWildcards(
        this.projects,
        {
          resources: [
            `${this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `/aws/codebuild/${project.projectName}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            })}:*`,
            this.formatArn({
              service: 'codebuild',
              resource: 'report-group',
              resourceName: `${project.projectName}-*`,
            }),
          ],
        },
        "CodeBuild defaults added by the CDK for every project: log streams of the project's own log group and report groups named after the project",
      );
    }

    if (this.projects.lockDigest !== undefined) {
      const bundleArns = toolsBundleArns(this, bundle, this.projects.lockDigest);
      acknowledgeWildcards(
        this.projects,
        { resources: [bundleArns.objects, bundleArns.keys] },
        `Tools bundle: the objects of this tools lock's own bundle (${bundlePrefix(this.projects.lockDigest)}/*) in ${bundle.bucket}, and KMS keys only when they carry the alias ${bundle.keyAlias}, through S3, for those objects`,
      );
    }

    const stateArns = stateResourceArns(this, state);
    for (const role of [this.projects.planRole, this.projects.applyRole]) {
      acknowledgeWildcards(
        role,
        { resources: [stateArns.objects, stateArns.keys] },
        `Terraform state: every object of this environment's state bucket ${state.bucket} (state files and lockfiles of all its teams and scopes), and KMS keys only when they carry the alias ${state.keyAlias} and are used through S3 or DynamoDB`,
      );
    }
  }
}
