import * as path from 'node:path';
import { ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { configBuildEnvironment } from '../config/build-environment';
import type { EnvironmentModel, FactoryModel } from '../config/model';
import { applyProjectRoleName, applyRoleName, planProjectRoleName, planRoleName } from '../naming/roles';
import { bindReportGroups, loadBuildSpec, defaultBuildSpecDir, type BuildSpecName } from './buildspec-loader';
import { stateAccessStatements } from './state-access';
import { stateNames } from './state-names';

/** The scanner actions; each writes JUnit into a report group of the same name. */
export const SCANNERS = ['tflint', 'checkov', 'tfsec'] as const;
export type Scanner = (typeof SCANNERS)[number];

/**
 * Where the scanners run. `lambda` (default): CodeBuild Lambda compute, which starts in seconds, needs no root for
 * what the scanners do (download a pinned binary, or pip-install checkov into a venv) and fits easily in its
 * 15-minute cap. `ec2`: the standard image on EC2 compute, for repositories so large that a scan could take longer.
 */
export type ScannerCompute = 'lambda' | 'ec2';

export interface TerraformProjectsProps {
  readonly config: FactoryModel;
  readonly environment: EnvironmentModel;
  /** Key encrypting build artifacts and logs (the environment's pipeline key). */
  readonly encryptionKey: kms.IKey;
  /** Folder of the buildspec files. Default: `buildspecs/` of the project. */
  readonly buildSpecDir?: string;
  /** Default: `lambda`. */
  readonly scannerCompute?: ScannerCompute;
  /** Retention of the build logs. Default: one year. */
  readonly logRetention?: logs.RetentionDays;
}

/** Fixed settings of a project kind. */
interface ProjectKind {
  readonly description: string;
  readonly compute: 'lambda-2gb' | 'lambda-4gb' | 'ec2';
  /** EC2 compute only (Lambda compute has a fixed 15-minute limit). */
  readonly timeout?: Duration;
}

const KINDS: Record<BuildSpecName, ProjectKind> = {
  tflint: { description: 'tflint over the Terraform code', compute: 'lambda-2gb' },
  tfsec: { description: 'tfsec security scan of the Terraform code', compute: 'lambda-2gb' },
  checkov: { description: 'checkov security scan of the Terraform code', compute: 'lambda-4gb' },
  plan: {
    description: 'terraform plan with the read-only plan role of the workload account',
    compute: 'ec2',
    timeout: Duration.minutes(60),
  },
  apply: {
    description: 'terraform apply of the approved plan with the apply role of the workload account',
    compute: 'ec2',
    timeout: Duration.minutes(120),
  },
};

/** Timeout of scanners on EC2 compute (`scannerCompute: ec2`). */
const EC2_SCANNER_TIMEOUT = Duration.minutes(30);

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

  constructor(scope: Construct, id: string, props: TerraformProjectsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const env = props.environment.environment;
    const prefix = props.config.factory.pipelineNamePrefix;
    const buildSpecDir = props.buildSpecDir ?? defaultBuildSpecDir();
    const scannerCompute = props.scannerCompute ?? 'lambda';
    const staticEnv = staticBuildEnvironment(props.config, env, stack.region, stack.account, stack.partition);
    const accounts = environmentAccounts(props.environment);

    const reportGroups = {} as Record<Scanner, codebuild.ReportGroup>;
    for (const scanner of SCANNERS) {
      reportGroups[scanner] = new codebuild.ReportGroup(this, `${scanner}Reports`, {
        type: codebuild.ReportGroupType.TEST,
      });
    }
    this.reportGroups = reportGroups;

    this.planRole = this.crossAccountRole('PlanRole', {
      roleName: planProjectRoleName(env),
      description: `tfpf ${env}: plan project; assumes ${planRoleName(env)} in the ${env} workload accounts`,
      targetRoleArns: accounts.map((a) => roleArn(stack, a, planRoleName(env))),
    });
    this.applyRole = this.crossAccountRole('ApplyRole', {
      roleName: applyProjectRoleName(env),
      description: `tfpf ${env}: apply project; assumes ${applyRoleName(env)} in the ${env} workload accounts`,
      targetRoleArns: accounts.map((a) => roleArn(stack, a, applyRoleName(env))),
    });
    for (const statement of stateAccessStatements(stack, stateNames(props.config.factory, env))) {
      this.planRole.addToPrincipalPolicy(statement);
      this.applyRole.addToPrincipalPolicy(statement);
    }

    const projects = {} as Record<BuildSpecName, codebuild.PipelineProject>;
    for (const name of Object.keys(KINDS) as BuildSpecName[]) {
      const kind = KINDS[name];
      const file = path.join(buildSpecDir, `${name}.yml`);
      const groups: Record<string, string> = (SCANNERS as readonly string[]).includes(name)
        ? { [name]: reportGroups[name as Scanner].reportGroupArn }
        : {};
      const spec = bindReportGroups(loadBuildSpec(name, buildSpecDir), groups, file);
      const compute = kind.compute === 'ec2' || scannerCompute === 'lambda' ? kind.compute : 'ec2';
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.encryptionKey,
      });
      const role = name === 'plan' ? this.planRole : name === 'apply' ? this.applyRole : undefined;
      projects[name] = new codebuild.PipelineProject(this, name, {
        projectName: `${prefix}-${env}-${name}`,
        description: `tfpf ${env}: ${kind.description}`,
        buildSpec: codebuild.BuildSpec.fromObject(spec),
        role,
        encryptionKey: props.encryptionKey,
        environment: buildEnvironment(compute),
        environmentVariables: Object.fromEntries(
          Object.entries(staticEnv).map(([k, value]) => [
            k,
            { type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value },
          ]),
        ),
        logging: { cloudWatch: { logGroup } },
        // Lambda compute has a fixed limit and no cache. On EC2, a local custom cache keeps downloaded tools on
        // the build host; it is per project, so a plan build can never seed what the apply build executes.
        ...(compute === 'ec2'
          ? {
              timeout: kind.timeout ?? EC2_SCANNER_TIMEOUT,
              cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
            }
          : {}),
      });
      if (name in reportGroups) reportGroups[name as Scanner].grantWrite(projects[name]);
    }
    this.projects = projects;
  }

  private crossAccountRole(
    id: string,
    options: { roleName: string; description: string; targetRoleArns: string[] },
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

function buildEnvironment(compute: ProjectKind['compute']): codebuild.BuildEnvironment {
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
