import { ArnFormat, Duration, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { NAME_PATTERN } from '../config/schema';
import { applyProjectRoleName, applyRoleName, planProjectRoleName, planRoleName } from '../naming/roles';
import { sourceIdentityPattern } from '../naming/source-identity';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { acknowledgeNag } from './nag';

export interface WorkloadBootstrapStackProps extends StackProps {
  /** Environment whose pipeline may use these roles (e.g. `dev`). */
  readonly environment: string;
  /** Account of the tooling stacks (where the plan/apply projects run). */
  readonly toolingAccount: string;
  /** Default: `tfpf-<env>-plan`. */
  readonly planRoleName?: string;
  /** Default: `tfpf-<env>-apply`. */
  readonly applyRoleName?: string;
  /** Tooling role trusted by the plan role. Default: `tfpf-<env>-plan-project`. */
  readonly planProjectRoleName?: string;
  /** Tooling role trusted by the apply role. Default: `tfpf-<env>-apply-project`. */
  readonly applyProjectRoleName?: string;
  /** Managed policies of the plan role. Default: `ReadOnlyAccess`. */
  readonly planPolicyArns?: readonly string[];
  /**
   * Managed policies of the apply role. Default: `AdministratorAccess`, because Terraform code may manage any
   * resource type. Narrow it to the services your teams deploy (list their policies here), and/or cap it with
   * `permissionsBoundaryArn`.
   */
  readonly applyPolicyArns?: readonly string[];
  /** Permissions boundary put on both roles. Default: none. */
  readonly permissionsBoundaryArn?: string;
  /**
   * Longest session. Default: one hour, which is also the limit for role chaining (the projects assume these roles
   * with their own role credentials); the SDKs refresh expired sessions during long plans and applies.
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * What the tooling project may do with the role: assume it, name the session's source (required: the release
 * tag, see `sourceIdentity`), tag it.
 */
export const TRUST_ACTIONS = ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] as const;

const ARN_PATTERN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;

function validate(props: WorkloadBootstrapStackProps): void {
  const problems: string[] = [];
  if (!NAME_PATTERN.test(props.environment)) {
    problems.push(`environment ${JSON.stringify(props.environment)} is not a valid environment name`);
  }
  if (!/^\d{12}$/.test(props.toolingAccount)) {
    problems.push(`toolingAccount ${JSON.stringify(props.toolingAccount)} is not a 12-digit AWS account ID`);
  }
  for (const [field, arns] of [
    ['planPolicyArns', props.planPolicyArns],
    ['applyPolicyArns', props.applyPolicyArns],
  ] as const) {
    if (arns !== undefined && arns.length === 0) problems.push(`${field} must list at least one policy ARN`);
    for (const arn of arns ?? []) {
      if (!ARN_PATTERN.test(arn)) problems.push(`${field}: ${JSON.stringify(arn)} is not an IAM policy ARN`);
    }
  }
  if (props.permissionsBoundaryArn !== undefined && !ARN_PATTERN.test(props.permissionsBoundaryArn)) {
    problems.push(
      `permissionsBoundaryArn: ${JSON.stringify(props.permissionsBoundaryArn)} is not an IAM policy ARN`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`WorkloadBootstrapStack: invalid properties:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Deployed once into each workload account of an environment: the roles the environment's pipeline assumes.
 *
 * - plan role (`tfpf-<env>-plan`): read-only (`ReadOnlyAccess`), trusted only by the tooling account's
 *   `tfpf-<env>-plan-project` role;
 * - apply role (`tfpf-<env>-apply`): `AdministratorAccess` unless narrowed, trusted only by
 *   `tfpf-<env>-apply-project`.
 *
 * Trust names those exact roles (never the whole tooling account) and allows `sts:AssumeRole`,
 * `sts:SetSourceIdentity` and `sts:TagSession` only for a session whose source identity names a release of this
 * environment (`tfpf.<env>_*`): a session without one is refused, so every session in the workload account
 * carries its release tag in CloudTrail (and, set once, it cannot be changed down a role chain). This is
 * traceability, not authentication: the project role chooses the value. A project of another environment is not
 * trusted, and its own IAM policy does not name these roles either.
 */
export class WorkloadBootstrapStack extends Stack {
  public readonly planRole: iam.Role;
  public readonly applyRole: iam.Role;

  constructor(scope: Construct, id: string, props: WorkloadBootstrapStackProps) {
    validate(props);
    super(scope, id, {
      description: `Terraform Pipeline Factory: plan and apply roles of the ${props.environment} environment (workload account)`,
      ...props,
    });
    const env = props.environment;
    const boundary =
      props.permissionsBoundaryArn === undefined
        ? undefined
        : iam.ManagedPolicy.fromManagedPolicyArn(this, 'Boundary', props.permissionsBoundaryArn);
    const maxSessionDuration = props.maxSessionDuration ?? Duration.hours(1);

    this.planRole = this.role('PlanRole', {
      roleName: props.planRoleName ?? planRoleName(env),
      description: `tfpf ${env}: read-only role for terraform plan, assumed by the ${env} plan project`,
      trusted: props.planProjectRoleName ?? planProjectRoleName(env),
      environment: env,
      toolingAccount: props.toolingAccount,
      policyArns: props.planPolicyArns ?? [this.awsManagedPolicyArn('ReadOnlyAccess')],
      boundary,
      maxSessionDuration,
    });
    this.applyRole = this.role('ApplyRole', {
      roleName: props.applyRoleName ?? applyRoleName(env),
      description: `tfpf ${env}: role for terraform apply of approved plans, assumed by the ${env} apply project`,
      trusted: props.applyProjectRoleName ?? applyProjectRoleName(env),
      environment: env,
      toolingAccount: props.toolingAccount,
      policyArns: props.applyPolicyArns ?? [this.awsManagedPolicyArn('AdministratorAccess')],
      boundary,
      maxSessionDuration,
    });
  }

  private awsManagedPolicyArn(name: string): string {
    return this.formatArn({
      service: 'iam',
      region: '',
      account: 'aws',
      resource: 'policy',
      resourceName: name,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  private role(
    id: string,
    options: {
      roleName: string;
      description: string;
      trusted: string;
      environment: string;
      toolingAccount: string;
      policyArns: readonly string[];
      boundary?: iam.IManagedPolicy;
      maxSessionDuration: Duration;
    },
  ): iam.Role {
    const trustedArn = this.formatArn({
      service: 'iam',
      region: '',
      account: options.toolingAccount,
      resource: 'role',
      resourceName: options.trusted,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const role = new iam.Role(this, id, {
      roleName: options.roleName,
      description: options.description,
      assumedBy: new iam.ArnPrincipal(trustedArn),
      managedPolicies: options.policyArns.map((arn, i) =>
        iam.ManagedPolicy.fromManagedPolicyArn(this, `${id}Policy${i}`, arn),
      ),
      permissionsBoundary: options.boundary,
      maxSessionDuration: options.maxSessionDuration,
    });
    // One statement: exactly the tooling project role, with the three actions a release session needs, and only
    // with a source identity naming a release of this environment. Without one, the key is absent and StringLike
    // does not match: the AssumeRole is denied.
    (role.node.defaultChild as iam.CfnRole).addPropertyOverride('AssumeRolePolicyDocument', {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ToolingProjectOnly',
          Effect: 'Allow',
          Principal: { AWS: trustedArn },
          Action: [...TRUST_ACTIONS],
          Condition: { StringLike: { 'sts:SourceIdentity': sourceIdentityPattern(options.environment) } },
        },
      ],
    });
    const awsManaged = options.policyArns.filter(
      (arn) => Token.isUnresolved(arn) || /:iam::aws:policy\//.test(arn),
    );
    if (awsManaged.length > 0) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM4',
        'AWS managed job-function policies on purpose: ReadOnlyAccess for plan (Terraform refresh reads every resource type it manages), AdministratorAccess for apply unless the operator narrows it with applyPolicyArns / permissionsBoundaryArn',
        awsManaged.map((arn) => `Policy::${flattenCfnReference(this.resolve(arn))}`),
      );
    }
    return role;
  }
}
