import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { ArnFormat, Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { stringify } from 'yaml';
import { Construct } from 'constructs';
import { configBuildEnvironment, teamAccounts } from '../config/build-environment';
import { findEnvironment, type EnvironmentModel, type FactoryModel } from '../config/model';
import type { ComputeKind } from '../config/schema';
import { applyProjectRoleName, applyRoleName, planProjectRoleName, planRoleName } from '../naming/roles';
import { sourceIdentityPattern } from '../naming/source-identity';
import {
  bindReportGroups,
  loadBuildSpec,
  defaultBuildSpecDir,
  type BuildSpecDocument,
  type BuildSpecName,
} from './buildspec-loader';
import { factoryFileOf, resolveCompute, type ProjectCompute, type ResolvedCompute } from './compute';
import { SCANNERS, type Scanner } from './pipeline-layout';
import { stateAccessStatements } from './state-access';
import { stateNames } from './state-names';
import {
  lockDigestOf,
  toolsBundleEnvironment,
  toolsBundleNames,
  toolsBundleReadStatements,
} from './tools-bundle-access';

export { SCANNERS, type Scanner } from './pipeline-layout';

/** Compute of the scanners as a command-line override (`-c scannerCompute=ec2`); factory.yaml has `compute:`. */
export type ScannerCompute = ComputeKind;

export interface TerraformProjectsProps {
  readonly config: FactoryModel;
  readonly environment: EnvironmentModel;
  /** Key encrypting build artifacts and logs (the environment's pipeline key). */
  readonly encryptionKey: kms.IKey;
  /** Folder of the buildspec files. Default: `buildspecs/` of the project. */
  readonly buildSpecDir?: string;
  /**
   * Compute of each project. Default: `compute:` of factory.yaml resolved for the stack's region (Lambda compute
   * for scanners and plan where CodeBuild offers it, EC2 for apply).
   */
  readonly compute?: ResolvedCompute;
  /** Retention of the build logs. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/** Fixed settings of a project kind. */
interface ProjectKind {
  readonly description: string;
  /** On EC2 compute (Lambda compute has a fixed 15-minute limit). */
  readonly ec2Timeout: Duration;
}

const KINDS: Record<BuildSpecName, ProjectKind> = {
  tflint: { description: 'tflint over the Terraform code', ec2Timeout: Duration.minutes(30) },
  tfsec: { description: 'tfsec security scan of the Terraform code', ec2Timeout: Duration.minutes(30) },
  checkov: { description: 'checkov security scan of the Terraform code', ec2Timeout: Duration.minutes(30) },
  plan: {
    description: 'terraform plan with the read-only plan role of the workload account',
    ec2Timeout: Duration.minutes(60),
  },
  apply: {
    description: 'terraform apply of the approved plan with the apply role of the workload account',
    ec2Timeout: Duration.minutes(120),
  },
};

/**
 * Static environment of every project, from the configuration (contract with the buildspecs). Release-specific
 * values (tag, team, account, state key, …) come per execution as action variables instead.
 */
export function staticBuildEnvironment(
  config: FactoryModel,
  environment: string,
  stateRegion: string,
  stateAccount: string = Aws.ACCOUNT_ID,
  partition: string = Aws.PARTITION,
): Record<string, string> {
  const { factory } = config;
  const engineVersion =
    factory.tools.engine === 'opentofu' ? factory.tools.opentofu : factory.tools.terraform;
  if (engineVersion === undefined) {
    throw new Error(`factory.yaml: tools.opentofu is required when tools.engine is "opentofu"`);
  }
  const names = stateNames(factory, environment);
  const model = findEnvironment(config, environment);
  if (model === undefined) throw new Error(`staticBuildEnvironment: no environment named "${environment}"`);
  return {
    STATE_BUCKET: names.bucket,
    STATE_REGION: stateRegion,
    LOCKING: factory.locking,
    // CodeBuild refuses empty values: LOCK_TABLE exists only with DynamoDB locking.
    ...(names.lockTable === undefined ? {} : { LOCK_TABLE: names.lockTable }),
    // Terraform's `encrypt = true` alone writes SSE-S3 and would override the bucket's default KMS key.
    STATE_KMS_KEY: `arn:${partition}:kms:${stateRegion}:${stateAccount}:${names.keyAlias}`,
    TF_ENGINE: factory.tools.engine,
    TF_VERSION: engineVersion,
    TFLINT_VERSION: factory.tools.tflint,
    TFSEC_VERSION: factory.tools.tfsec,
    CHECKOV_VERSION: factory.tools.checkov,
    // LAYOUT_* and SCANNER_*: layout and scanner settings, as the buildspecs read them.
    ...configBuildEnvironment(factory),
    PLAN_ROLE_NAME: planRoleName(environment),
    APPLY_ROLE_NAME: applyRoleName(environment),
    // The buildspecs build every ARN with it (CodeBuild sets no AWS_PARTITION).
    AWS_PARTITION: partition,
    // The release's TEAM/TARGET_ACCOUNT must be one of these pairs (checked again in every Terraform build).
    TEAM_ACCOUNTS: teamAccounts(model),
  };
}

/** Distinct workload accounts of an environment's teams, sorted. */
export function environmentAccounts(environment: EnvironmentModel): string[] {
  return [...new Set(Object.values(environment.teams).map((t) => t.account))].sort();
}

/**
 * The five CodeBuild projects of one environment, built from `buildspecs/*.yml`, with their roles, log groups
 * and the scanners' report groups. Only the plan and apply project roles can leave the tooling account, and only
 * into the roles of this environment's workload accounts.
 */
export class TerraformProjects extends Construct {
  public readonly projects: Readonly<Record<BuildSpecName, codebuild.PipelineProject>>;
  public readonly reportGroups: Readonly<Record<Scanner, codebuild.ReportGroup>>;
  /** `tfpf-<env>-plan-project`: may assume `tfpf-<env>-plan` in this environment's accounts. */
  public readonly planRole: iam.Role;
  /** `tfpf-<env>-apply-project`: may assume `tfpf-<env>-apply` in this environment's accounts. */
  public readonly applyRole: iam.Role;
  /** The compute each project runs on. */
  public readonly compute: ResolvedCompute;
  /** Digest of the config's tools lock, whose bundle the projects read (absent without a lock). */
  public readonly lockDigest?: string;
  /** Where the actions find their tools bundle (empty without a tools lock); the drift build uses it too. */
  public readonly toolsBundleEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: TerraformProjectsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const env = props.environment.environment;
    const prefix = props.config.factory.pipelineNamePrefix;
    const buildSpecDir = props.buildSpecDir ?? defaultBuildSpecDir();
    this.compute =
      props.compute ??
      resolveCompute(
        props.config.factory.compute,
        Token.isUnresolved(stack.region) ? undefined : stack.region,
        factoryFileOf(props.config),
      );
    const staticEnv = staticBuildEnvironment(props.config, env, stack.region, stack.account, stack.partition);
    const accounts = environmentAccounts(props.environment);

    const reportGroups = {} as Record<Scanner, codebuild.ReportGroup>;
    for (const scanner of SCANNERS) {
      // Named <project>-<group>: the name CodeBuild resolves a buildspec's `reports: <group>` to, so the buildspec
      // (a static S3 object) names the group and CodeBuild never has to create one.
      reportGroups[scanner] = new codebuild.ReportGroup(this, `${scanner}Reports`, {
        reportGroupName: `${prefix}-${env}-${scanner}-${scanner}`,
        type: codebuild.ReportGroupType.TEST,
      });
    }
    this.reportGroups = reportGroups;

    this.planRole = this.crossAccountRole('PlanRole', {
      roleName: planProjectRoleName(env),
      environment: env,
      description: `tfpf ${env}: plan project; assumes ${planRoleName(env)} in the ${env} workload accounts`,
      targetRoleArns: accounts.map((a) => roleArn(stack, a, planRoleName(env))),
    });
    this.applyRole = this.crossAccountRole('ApplyRole', {
      roleName: applyProjectRoleName(env),
      environment: env,
      description: `tfpf ${env}: apply project; assumes ${applyRoleName(env)} in the ${env} workload accounts`,
      targetRoleArns: accounts.map((a) => roleArn(stack, a, applyRoleName(env))),
    });
    // Plan reads the state (it runs with -lock=false: a plan never writes state); apply reads, writes and locks.
    const state = stateNames(props.config.factory, env);
    for (const statement of stateAccessStatements(stack, state, 'read'))
      this.planRole.addToPrincipalPolicy(statement);
    for (const statement of stateAccessStatements(stack, state, 'read-write')) {
      this.applyRole.addToPrincipalPolicy(statement);
    }

    const projects = {} as Record<BuildSpecName, codebuild.PipelineProject>;
    const generated = toolsLockFiles(props.config);
    // With a tools lock, every action first reads the tools bundle of its digest (built in the tooling stack).
    const lockText = generated['tools.lock.json'];
    const bundleNames = toolsBundleNames(props.config.factory);
    this.lockDigest =
      lockText === undefined
        ? undefined
        : lockDigestOf(lockText, path.join(props.config.dir, 'tools.lock.json'));
    const bundleEnv =
      this.lockDigest === undefined ? {} : toolsBundleEnvironment(bundleNames, this.lockDigest);
    this.toolsBundleEnvironment = bundleEnv;
    for (const name of Object.keys(KINDS) as BuildSpecName[]) {
      const kind = KINDS[name];
      const file = path.join(buildSpecDir, `${name}.yml`);
      // The buildspec keeps the group's short name (checked against the stack's groups).
      const groups: Record<string, string> = (SCANNERS as readonly string[]).includes(name)
        ? { [name]: name }
        : {};
      const compute = this.compute[name];
      const loaded = bindReportGroups(loadBuildSpec(name, buildSpecDir, generated), groups, file);
      // No build trusts a cache that a build running repo code could write: no project has a cache.
      const spec = withoutCache(loaded);
      // The composed buildspec (with its library and the tools lock) is larger than CodeBuild takes inline:
      // the project reads it from S3, a synth-time asset that only the deployment can write.
      const specAsset = new s3assets.Asset(this, `${name}BuildSpec`, { path: buildSpecFile(spec) });
      const specArn = `arn:${stack.partition}:s3:::${specAsset.s3BucketName}/${specAsset.s3ObjectKey}`;
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.encryptionKey,
      });
      const role = name === 'plan' ? this.planRole : name === 'apply' ? this.applyRole : undefined;
      projects[name] = new codebuild.PipelineProject(this, name, {
        projectName: `${prefix}-${env}-${name}`,
        description: `tfpf ${env}: ${kind.description}`,
        buildSpec: codebuild.BuildSpec.fromSourceFilename(specArn),
        role,
        encryptionKey: props.encryptionKey,
        environment: buildEnvironment(compute.size),
        environmentVariables: Object.fromEntries(
          Object.entries({ ...staticEnv, ...bundleEnv, TFPF_COMPUTE: compute.kind }).map(([k, value]) => [
            k,
            { type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value },
          ]),
        ),
        logging: { cloudWatch: { logGroup } },
        // Lambda compute has a fixed 15-minute limit.
        ...(compute.kind === 'ec2' ? { timeout: kind.ec2Timeout } : {}),
      });
      // Exactly its own buildspec object (not the asset bucket's other objects).
      projects[name].addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [specArn] }),
      );
      if (name in reportGroups) reportGroups[name as Scanner].grantWrite(projects[name]);
      // Read (and decrypt) the tools bundle of this lock digest only: tools are installed from it.
      if (this.lockDigest !== undefined) {
        for (const statement of toolsBundleReadStatements(stack, bundleNames, this.lockDigest)) {
          projects[name].addToRolePolicy(statement);
        }
      }
    }
    this.projects = projects;
  }

  private crossAccountRole(
    id: string,
    options: { roleName: string; environment: string; description: string; targetRoleArns: string[] },
  ): iam.Role {
    const role = new iam.Role(this, id, {
      roleName: options.roleName,
      description: options.description,
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeWorkloadRoles',
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
        resources: options.targetRoleArns,
        // Sessions must be named after a release of this environment, as the workload roles' trust requires.
        conditions: { StringLike: { 'sts:SourceIdentity': sourceIdentityPattern(options.environment) } },
      }),
    );
    return role;
  }
}

function roleArn(stack: Stack, account: string, roleName: string): string {
  return stack.formatArn({
    service: 'iam',
    region: '',
    account,
    resource: 'role',
    resourceName: roleName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * The buildspec without its `cache:` section: Lambda compute does not support caching, and a project on Lambda
 * compute whose buildspec declares cache paths is not what CodeBuild documents.
 */
/** The config's tools lock, composed into every buildspec (absent: the builds refuse to install tools). */
export function toolsLockFiles(config: FactoryModel): Record<string, string> {
  const file = path.join(config.dir, 'tools.lock.json');
  return fs.existsSync(file) ? { 'tools.lock.json': fs.readFileSync(file, 'utf8') } : {};
}

/** Writes a composed buildspec to a content-addressed file for its S3 asset (same content, same file). */
export function buildSpecFile(spec: BuildSpecDocument): string {
  const text = stringify(spec, { lineWidth: 0 });
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'tfpf-buildspecs', digest);
  const file = path.join(dir, 'buildspec.yml');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${file}.${process.pid}.tmp`, text);
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return file;
}

export function withoutCache(spec: BuildSpecDocument): BuildSpecDocument {
  if (!('cache' in spec)) return spec;
  const { cache: _cache, ...rest } = spec;
  return rest as BuildSpecDocument;
}

/** Image and compute type of a project on `compute`. */
export function buildEnvironment(compute: ProjectCompute): codebuild.BuildEnvironment {
  switch (compute) {
    case 'lambda-2gb':
      return {
        buildImage: codebuild.LinuxLambdaBuildImage.AMAZON_LINUX_2023_PYTHON_3_12,
        computeType: codebuild.ComputeType.LAMBDA_2GB,
      };
    case 'lambda-4gb':
      return {
        buildImage: codebuild.LinuxLambdaBuildImage.AMAZON_LINUX_2023_PYTHON_3_12,
        computeType: codebuild.ComputeType.LAMBDA_4GB,
      };
    case 'ec2':
      return {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.MEDIUM,
      };
  }
}
