import { ArnFormat, Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { FactoryModel } from '../config/model';
import { DriftChecks } from '../drift/drift-checks';
import { pipelineName, stateBucketName } from '../naming';
import { skipCheckov } from '../pipeline/checkov';
import { DeploymentRecorder } from '../deployment/deployment-recorder';
import { FailureNotifier } from '../pipeline/failure-notifier';
import { factoryFileOf, resolveCompute } from '../pipeline/compute';
import { StateStore } from '../pipeline/state-store';
import { toolsLockFiles } from '../pipeline/terraform-projects';
import { ToolsBundle } from '../pipeline/tools-bundle';
import { RESERVED_ENVIRONMENT_NAMES, ToolsBundleError } from '../pipeline/tools-bundle-access';
import { ReleaseTrigger } from '../trigger/release-trigger';
import { acknowledgeNag, acknowledgeWildcards } from './nag';

export interface ToolingStackProps extends StackProps {
  readonly config: FactoryModel;
  /** Days the server access logs of the state buckets are kept. Default: 365. */
  readonly accessLogDays?: number;
}

/**
 * The factory's shared resources in the tooling account: the infra repository, the factory KMS key, the
 * failures topic, the release trigger (tag rule + handler), the failure notifier, and every environment's
 * Terraform state (bucket, key, lock table). Per-environment pipelines live in their own stacks and reach the state
 * by name, so removing an environment never touches this stack's exports.
 */
export class ToolingStack extends Stack {
  public readonly repository: codecommit.IRepository;
  /** Factory key: failures topic, trigger and notifier queues, tables and logs (not the state: see stateStores). */
  public readonly encryptionKey: kms.Key;
  /** Failed executions, rejected approvals and rejected release tags. */
  public readonly failureTopic: sns.Topic;
  /** State bucket per environment name. */
  public readonly stateBuckets: Readonly<Record<string, s3.Bucket>>;
  /** State key, bucket and lock table per environment name. */
  public readonly stateStores: Readonly<Record<string, StateStore>>;
  /** Receives the server access logs of the state buckets. */
  public readonly accessLogsBucket: s3.Bucket;
  public readonly releaseTrigger: ReleaseTrigger;
  /** Bucket and builder of the tools bundle (absent when the config has no tools lock). */
  public readonly toolsBundle?: ToolsBundle;
  public readonly failureNotifier: FailureNotifier;
  /** Deployment records (what runs where) from the pipelines' execution and approval events. */
  public readonly deploymentRecorder: DeploymentRecorder;
  /** Scheduled drift checks; absent when no environment sets `drift:`. */
  public readonly driftChecks?: DriftChecks;

  constructor(scope: Construct, id: string, props: ToolingStackProps) {
    super(scope, id, {
      description:
        'Terraform Pipeline Factory: repository, state, release trigger and notifications (tooling account)',
      ...props,
    });
    const { factory } = props.config;
    const prefix = factory.pipelineNamePrefix;

    if (factory.importExisting) {
      this.repository = codecommit.Repository.fromRepositoryName(this, 'Repository', factory.repository);
    } else {
      const repository = new codecommit.Repository(this, 'Repository', {
        repositoryName: factory.repository,
        description:
          'Terraform code released by the Terraform Pipeline Factory (tags <env>_<scope>/<team>/<version>)',
      });
      // The repository is the source of truth for the infrastructure: never deleted with the stack.
      repository.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.repository = repository;
    }

    this.encryptionKey = new kms.Key(this, 'FactoryKey', {
      alias: `alias/${prefix}-factory`,
      description: 'tfpf: factory topics, queues, tables and logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.failureTopic = new sns.Topic(this, 'FailureTopic', {
      topicName: `${prefix}-failures`,
      displayName: 'tfpf release failures',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogDays ?? 365),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledgeNag(
      this.accessLogsBucket,
      'AwsSolutions-S1',
      'This is the access log bucket itself; logging it into itself would loop',
    );
    skipCheckov(this.accessLogsBucket, {
      CKV_AWS_18: 'This is the server access log target bucket; logging it into itself would loop',
    });

    for (const env of props.config.environments) {
      if (RESERVED_ENVIRONMENT_NAMES.includes(env.environment)) {
        throw new ToolsBundleError(
          `${env.file}: environment "${env.environment}" would name its state bucket ${stateBucketName(factory.stateBucketPrefix, env.environment)}, the tools bundle bucket; choose another environment name`,
        );
      }
    }
    const stateStores: Record<string, StateStore> = {};
    const stateBuckets: Record<string, s3.Bucket> = {};
    for (const env of props.config.environments) {
      const store = new StateStore(this, `State-${env.environment}`, {
        stateBucketPrefix: factory.stateBucketPrefix,
        locking: factory.locking,
        environment: env.environment,
        accessLogsBucket: this.accessLogsBucket,
      });
      stateStores[env.environment] = store;
      stateBuckets[env.environment] = store.bucket;
    }
    this.stateStores = stateStores;
    this.stateBuckets = stateBuckets;

    const lockText = toolsLockFiles(props.config)['tools.lock.json'];
    if (lockText !== undefined) {
      this.toolsBundle = new ToolsBundle(this, 'ToolsBundle', {
        stateBucketPrefix: factory.stateBucketPrefix,
        pipelineNamePrefix: prefix,
        lockText,
        accessLogsBucket: this.accessLogsBucket,
        logsEncryptionKey: this.encryptionKey,
        // The venv is built on the image the checkov action runs on (compute: of factory.yaml, this region).
        compute: resolveCompute(
          factory.compute,
          Token.isUnresolved(this.region) ? undefined : this.region,
          factoryFileOf(props.config),
        ).checkov.size,
      });
      acknowledgeToolsBundle(this.toolsBundle);
    }

    this.releaseTrigger = new ReleaseTrigger(this, 'ReleaseTrigger', {
      config: props.config,
      repository: this.repository,
      failureTopic: this.failureTopic,
      encryptionKey: this.encryptionKey,
    });
    skipReleaseTriggerCheckov(this.releaseTrigger);

    this.failureNotifier = new FailureNotifier(this, 'FailureNotifier', {
      namePrefix: prefix,
      pipelines: Object.fromEntries(
        props.config.environments.map((env) => [pipelineName(prefix, env.environment), env.environment]),
      ),
      failureTopic: this.failureTopic,
      encryptionKey: this.encryptionKey,
    });

    this.deploymentRecorder = new DeploymentRecorder(this, 'DeploymentRecorder', {
      namePrefix: prefix,
      pipelineNames: props.config.environments.map((env) => pipelineName(prefix, env.environment)),
      table: this.releaseTrigger.releaseTable,
      failureTopic: this.failureTopic,
      encryptionKey: this.encryptionKey,
    });
    if (props.config.environments.some((env) => env.drift !== undefined)) {
      this.driftChecks = new DriftChecks(this, 'DriftChecks', {
        config: props.config,
        ledger: this.releaseTrigger.releaseTable,
        failureTopic: this.failureTopic,
        encryptionKey: this.encryptionKey,
      });
      for (const fn of [this.driftChecks.lister, this.driftChecks.recorder]) {
        skipCheckov(fn.node.defaultChild as lambda.CfnFunction, {
          CKV_AWS_116:
            'Invoked synchronously by the drift state machine, which retries and catches its errors: no asynchronous invocation to dead-letter',
          CKV_AWS_117:
            'Calls only AWS APIs (DynamoDB, SNS, EventBridge); a VPC would add NAT or endpoints and no protection',
          CKV_AWS_115:
            'No reserved concurrency: a new account may have too little unreserved concurrency to reserve any; the Map state bounds the calls',
        });
      }
    }
  }
}

/**
 * Records, on the release trigger's function, the checkov checks that are design choices, each with its reason
 * (the construct itself stays free of checkov metadata).
 */
function skipReleaseTriggerCheckov(trigger: ReleaseTrigger): void {
  const fn = trigger.handler.node.defaultChild as lambda.CfnFunction;
  skipCheckov(fn, {
    CKV_AWS_116:
      'Failed asynchronous invocations go to the trigger dead-letter queue through an on-failure destination (which also records the error), not the legacy DeadLetterConfig',
    CKV_AWS_117:
      'Calls only AWS APIs (CodeCommit, CodePipeline, DynamoDB, SNS, EventBridge); a VPC would add NAT or endpoints and no protection',
    CKV_AWS_115:
      'No reserved concurrency: a new account may have too little unreserved concurrency to reserve any; one invocation per tag event',
  });
}

/**
 * cdk-nag and checkov findings of the tools bundle that are design choices, each with its reason: the builder's
 * own bundle prefix, its log streams, and the CDK custom resource that starts it on deploy.
 */
function acknowledgeToolsBundle(bundle: ToolsBundle): void {
  const stack = Stack.of(bundle);
  acknowledgeWildcards(
    bundle.builderRole,
    {
      resources: [
        bundle.bundleObjectsArn,
        `${stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/codebuild/${bundle.builder.projectName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })}:*`,
        stack.formatArn({
          service: 'codebuild',
          resource: 'report-group',
          resourceName: `${bundle.builder.projectName}-*`,
        }),
      ],
    },
    "The builder writes the objects of its own lock digest's bundle (and nothing else of the bucket); the log streams of its own log group and report groups named after it are CodeBuild defaults the CDK adds",
  );
  acknowledgeNag(
    bundle.builder,
    'AwsSolutions-CB4',
    'No project KMS key: the builder has no artifacts and no cache; bundles are encrypted by the bundle key, logs by the factory key, and a project key would give the builder unconditioned use of it',
  );
  const providerRole = bundle.provider.role;
  if (providerRole !== undefined) {
    acknowledgeNag(
      providerRole,
      'AwsSolutions-IAM4',
      "The CDK custom resource provider's role: AWSLambdaBasicExecutionRole only lets it write its own logs; its one other permission is codebuild:StartBuild on the builder",
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    );
  }
  skipCheckov(bundle.provider, {
    CKV_AWS_116:
      'CDK custom resource provider, invoked synchronously by CloudFormation, which reports its failures: no dead-letter queue',
    CKV_AWS_117:
      'Calls only the CodeBuild API (StartBuild on the builder); a VPC would add NAT or endpoints and no protection',
    CKV_AWS_115:
      'CDK custom resource provider: runs once per deploy that changes the lock digest; nothing to reserve',
    CKV_AWS_173: 'CDK custom resource provider: its environment holds no secrets',
  });
  skipCheckov(bundle.builder, {
    CKV_AWS_147:
      'No project KMS key: the builder has no artifacts and no cache; bundles are encrypted by the bundle key and logs by the factory key',
  });
}
