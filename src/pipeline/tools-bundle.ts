import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { defaultBuildSpecDir, loadBuildSpec, TOOLS_BUNDLE_BUILDSPEC } from './buildspec-loader';
import type { ProjectCompute } from './compute';
import { allowLogsEncryption } from './kms-policies';
import { regionalServiceName } from './service-names';
import { buildEnvironment, buildSpecFile } from './terraform-projects';
import { bundlePrefix, lockDigestOf, toolsBundleArns, toolsBundleNames } from './tools-bundle-access';

export interface ToolsBundleProps {
  /** `stateBucketPrefix` of factory.yaml: the bucket is `<prefix>-tools-bundles`. */
  readonly stateBucketPrefix: string;
  /** `pipelineNamePrefix` of factory.yaml: the builder project is `<prefix>-tools-bundle`. */
  readonly pipelineNamePrefix: string;
  /** The config's tools lock (tools.lock.json), as composed into every buildspec. */
  readonly lockText: string;
  /** Bucket receiving the bundle bucket's server access logs. */
  readonly accessLogsBucket: s3.IBucket;
  /** Key encrypting the builder's logs (the factory key); the bundle key encrypts bundles only. */
  readonly logsEncryptionKey: kms.IKey;
  /** Compute of the checkov action: the venv is built on the image checkov runs on. */
  readonly compute: ProjectCompute;
  /** Folder of the buildspecs. Default: `buildspecs/` of the project. */
  readonly buildSpecDir?: string;
  /** Retention of the builder's logs. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/** Actions that may write objects: denied to every principal but the builder. */
export const BUNDLE_WRITE_ACTIONS = [
  's3:PutObject',
  's3:PutObjectAcl',
  's3:PutObjectTagging',
  's3:PutObjectVersionTagging',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:DeleteObjectTagging',
  's3:RestoreObject',
] as const;

/**
 * The tools bundle of the factory's tools lock: a bucket (`<prefix>-tools-bundles`, customer-managed KMS key,
 * versioned, TLS only, public access blocked, access-logged) and the builder, a CodeBuild project without source
 * that runs buildspecs/tools-bundle.yml: it writes `bundles/<lock digest>/<platform>/` (every tool of the lock,
 * verified, a checkov venv and their manifest). The builder runs no repository code; it is the only principal that
 * may write the bucket (DESIGN.md §7b: the tools builder writes the tools bundle for its lock digest). A custom
 * resource starts it on deploy whenever the lock digest changes; `aws codebuild start-build --project-name
 * <prefix>-tools-bundle` starts it on demand.
 */
export class ToolsBundle extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;
  public readonly builder: codebuild.Project;
  public readonly builderRole: iam.Role;
  /** The CDK's provider function behind `startOnDeploy`. */
  public readonly provider: lambda.Function;
  /** Starts the builder on deploy (a new lock digest is a new physical resource). */
  public readonly startOnDeploy: cr.AwsCustomResource;
  /** The digest of the lock this bundle is built for. */
  public readonly lockDigest: string;
  /** ARN of the objects of this lock's bundle (`…/bundles/<digest>/*`): all the builder may write. */
  public readonly bundleObjectsArn: string;

  constructor(scope: Construct, id: string, props: ToolsBundleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = toolsBundleNames(props);
    this.lockDigest = lockDigestOf(props.lockText);
    const arns = toolsBundleArns(stack, names, this.lockDigest);
    this.bundleObjectsArn = arns.objects;
    const projectName = `${props.pipelineNamePrefix}-tools-bundle`;

    this.key = new kms.Key(this, 'Key', {
      alias: names.keyAlias,
      description: 'tfpf: tools bundles (verified tools and checkov venv per tools lock digest)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: names.bucket,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // No S3 Bucket Key: the encryption context stays the object's ARN, so an action's decrypt grant can be
      // narrowed to the objects of its own lock digest.
      bucketKeyEnabled: false,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: `tools-bundles/${names.bucket}/`,
      lifecycleRules: [
        {
          id: 'expire-replaced-bundles',
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });

    this.builderRole = new iam.Role(this, 'BuilderRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: `tfpf: tools-bundle builder; writes only ${bundlePrefix(this.lockDigest)}/ of ${names.bucket}`,
    });
    // The builder writes its own lock digest's bundle, nothing else of the bucket, and reads nothing from it.
    this.builderRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnBundle',
        actions: ['s3:PutObject'],
        resources: [arns.objects],
      }),
    );
    this.builderRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptOwnBundle',
        actions: ['kms:GenerateDataKey'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': regionalServiceName(stack, 's3') },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': arns.objects },
        },
      }),
    );

    // Every object write by any other principal is denied, whatever its IAM policies allow.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyWritesButBuilder',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...BUNDLE_WRITE_ACTIONS],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.builderRole.roleArn } },
      }),
    );

    // The key's own policy says the same: only the builder encrypts with it, and it decrypts only through S3.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyEncryptButBuilder',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.builderRole.roleArn } },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDecryptOutsideS3',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { StringNotEquals: { 'kms:ViaService': regionalServiceName(stack, 's3') } },
      }),
    );

    const spec = loadBuildSpec(TOOLS_BUNDLE_BUILDSPEC, props.buildSpecDir ?? defaultBuildSpecDir(), {
      'tools.lock.json': props.lockText,
    });
    // A synth-time asset that only the deployment writes; the project has no source, so this is all it runs.
    const specAsset = new s3assets.Asset(this, 'BuildSpec', { path: buildSpecFile(spec) });
    const specArn = `arn:${stack.partition}:s3:::${specAsset.s3BucketName}/${specAsset.s3ObjectKey}`;
    allowLogsEncryption(props.logsEncryptionKey, 'ToolsBundleLogs');
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logsEncryptionKey,
    });

    this.builder = new codebuild.Project(this, 'Builder', {
      projectName,
      description: `tfpf: builds the tools bundle of tools lock ${this.lockDigest.slice(0, 12)}… (runs no repository code)`,
      buildSpec: new S3ObjectBuildSpec(specArn),
      role: this.builderRole,
      // No project key: the project has no artifacts and no cache. A project key would give the builder
      // unconditioned use of that key; the bundles are encrypted by the bucket's key, the logs by the factory key.
      environment: buildEnvironment(props.compute),
      environmentVariables: {
        TFPF_TOOLS_BUNDLE_BUCKET: { value: names.bucket },
        TFPF_LOCK_DIGEST: { value: this.lockDigest },
      },
      logging: { cloudWatch: { logGroup } },
      ...(props.compute === 'ec2' ? { timeout: Duration.minutes(30) } : {}),
    });
    this.builderRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadOwnBuildSpec', actions: ['s3:GetObject'], resources: [specArn] }),
    );

    // On deploy: a new digest is a new physical resource, so a changed lock starts the builder again.
    const start = new cr.AwsCustomResource(this, 'BuildOnDeploy', {
      onUpdate: {
        service: 'CodeBuild',
        action: 'startBuild',
        parameters: {
          projectName,
          environmentVariablesOverride: [
            { name: 'TFPF_LOCK_DIGEST', value: this.lockDigest, type: 'PLAINTEXT' },
          ],
        },
        // The build record is larger than a custom resource may answer: only its id is kept.
        outputPaths: ['build.id'],
        physicalResourceId: cr.PhysicalResourceId.of(`tools-bundle-${this.lockDigest}`),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['codebuild:StartBuild'], resources: [this.builder.projectArn] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'BuildOnDeployLogs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.logsEncryptionKey,
      }),
    });
    start.node.addDependency(this.builder, this.bucket);
    // The CDK's provider function of every AwsCustomResource of the stack (one per stack).
    const provider = stack.node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (!(provider instanceof lambda.Function)) {
      throw new Error(`ToolsBundle: the custom resource provider of ${stack.stackName} was not found`);
    }
    this.provider = provider;
    this.startOnDeploy = start;
  }
}

/**
 * A buildspec stored in S3, named by its ARN: what `BuildSpec.fromAsset` gives a project without source, without
 * that method's read grant on the whole asset bucket (the builder reads exactly its own object).
 */
class S3ObjectBuildSpec extends codebuild.BuildSpec {
  public readonly isImmediate = true;

  constructor(private readonly arn: string) {
    super();
  }

  public toBuildSpec(): string {
    return this.arn;
  }
}
