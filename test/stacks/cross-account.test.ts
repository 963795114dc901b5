import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { sourceIdentity, sourceIdentityPattern } from '../../src/naming';
import { WorkloadBootstrapStack, TRUST_ACTIONS } from '../../src/stacks';
import { modelWith } from '../support/config-files';
import { buildTestApp, cdkJsonContext, TEST_ENV } from '../support/test-app';

const TOOLING = TEST_ENV.account;
const DEV_ACCOUNTS = ['111111111111', '222222222222'];
const PROD_ACCOUNTS = ['111111111114', '222222222225'];

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

function actions(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

/** Every identity-policy statement of every role in a template, with the role's logical id. */
function identityStatements(template: Template): { role: string; statement: Statement }[] {
  const out: { role: string; statement: Statement }[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const props = policy.Properties as {
      Roles: { Ref: string }[];
      PolicyDocument: { Statement: Statement[] };
    };
    for (const statement of props.PolicyDocument.Statement) {
      for (const role of props.Roles) out.push({ role: role.Ref, statement });
    }
  }
  return out;
}

function roleIdByName(template: Template, name: string): string {
  const found = Object.entries(template.findResources('AWS::IAM::Role')).filter(
    ([, r]) => (r.Properties as { RoleName?: string }).RoleName === name,
  );
  expect(found).toHaveLength(1);
  return found[0][0];
}

function roleArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

describe('tooling side: what the project roles may assume', () => {
  const testApp = buildTestApp(modelWith());
  const dev = testApp.template(testApp.environments.dev);
  const statements = identityStatements(dev);

  test('the plan project role (tfpf-dev-plan-project) may assume only tfpf-dev-plan in the dev accounts', () => {
    const role = roleIdByName(dev, 'tfpf-dev-plan-project');
    const sts = statements.filter(
      (s) => s.role === role && actions(s.statement).some((a) => a.startsWith('sts:')),
    );
    expect(sts).toHaveLength(1);
    expect(sts[0].statement.Effect).toBe('Allow');
    expect([...actions(sts[0].statement)].sort()).toEqual([...TRUST_ACTIONS].sort());
    expect(sts[0].statement.Resource).toEqual(DEV_ACCOUNTS.map((a) => roleArn(a, 'tfpf-dev-plan')));
    // the identity side asks for the same source identity as the workload trust
    expect(sts[0].statement.Condition).toEqual({ StringLike: { 'sts:SourceIdentity': 'tfpf.dev_*' } });
  });

  test('the apply project role (tfpf-dev-apply-project) may assume only tfpf-dev-apply in the dev accounts', () => {
    const role = roleIdByName(dev, 'tfpf-dev-apply-project');
    const sts = statements.filter(
      (s) => s.role === role && actions(s.statement).some((a) => a.startsWith('sts:')),
    );
    expect(sts).toHaveLength(1);
    expect(sts[0].statement.Resource).toEqual(DEV_ACCOUNTS.map((a) => roleArn(a, 'tfpf-dev-apply')));
  });

  test('PROOF (tooling side): no policy in the dev stack names a prod account or a prod role', () => {
    const policies = JSON.stringify(dev.findResources('AWS::IAM::Policy'));
    for (const account of PROD_ACCOUNTS) expect(policies).not.toContain(account);
    expect(policies).not.toMatch(/tfpf-prod-/);
    // and no statement in the stack allows an sts action on anything but the dev roles (no wildcard resource)
    const allowed = new Set([
      ...DEV_ACCOUNTS.map((a) => roleArn(a, 'tfpf-dev-plan')),
      ...DEV_ACCOUNTS.map((a) => roleArn(a, 'tfpf-dev-apply')),
    ]);
    for (const { statement } of statements) {
      if (!actions(statement).some((a) => a.startsWith('sts:') || a === '*')) continue;
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const r of resources) expect(allowed.has(r as string)).toBe(true);
    }
  });

  test('scanner projects and the pipeline role have no sts rights at all', () => {
    const crossAccount = new Set([
      roleIdByName(dev, 'tfpf-dev-plan-project'),
      roleIdByName(dev, 'tfpf-dev-apply-project'),
    ]);
    const others = statements.filter((s) => !crossAccount.has(s.role));
    expect(others.length).toBeGreaterThan(0);
    for (const { statement } of others) {
      for (const a of actions(statement)) expect(a.startsWith('sts:')).toBe(false);
    }
  });

  test("the projects can reach only their own environment's state bucket", () => {
    const policies = JSON.stringify(dev.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('arn:aws:s3:::acme-tfstate-dev');
    for (const other of ['qa', 'staging', 'prod']) expect(policies).not.toContain(`acme-tfstate-${other}`);
  });

  test("a team account shared by two environments still only yields the environment's own role names", () => {
    // GIVEN research uses the same account in dev and prod
    const shared = modelWith({
      'prod.yaml': [
        'environment: prod',
        'regions: [us-east-1]',
        'teams:',
        '  research: { account: "111111111111" }',
        'approval: { required: true }',
        '',
      ].join('\n'),
    });
    const app = buildTestApp(shared);
    const devPolicies = JSON.stringify(app.template(app.environments.dev).findResources('AWS::IAM::Policy'));
    const prodPolicies = JSON.stringify(
      app.template(app.environments.prod).findResources('AWS::IAM::Policy'),
    );
    // THEN dev's project names only tfpf-dev-* roles in it, and prod's only tfpf-prod-*
    expect(devPolicies).toContain(roleArn('111111111111', 'tfpf-dev-plan'));
    expect(devPolicies).not.toMatch(/tfpf-prod-(plan|apply)/);
    expect(prodPolicies).toContain(roleArn('111111111111', 'tfpf-prod-plan'));
    expect(prodPolicies).not.toMatch(/role\/tfpf-dev-/);
  });
});

/** IAM StringLike: `*` any run of characters, `?` one character; a missing key never matches. */
function stringLike(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

/** Whether a trust statement with a StringLike sts:SourceIdentity condition admits a session. */
function admits(statement: { Condition?: unknown }, identity: string | undefined): boolean {
  const condition = statement.Condition as { StringLike?: Record<string, string> } | undefined;
  const pattern = condition?.StringLike?.['sts:SourceIdentity'];
  return pattern === undefined || stringLike(pattern, identity);
}

describe('source identity: every workload session names its release', () => {
  test('sourceIdentity: tfpf. + tag with / as @, cut to 64 characters', () => {
    expect(sourceIdentity('dev_us-east-1/research/1.4.0')).toBe('tfpf.dev_us-east-1@research@1.4.0');
    const long = `dev_ap-southeast-1/${'t'.repeat(31)}/v10.20.30-rc.1`;
    expect(sourceIdentity(long)).toHaveLength(64);
    expect(sourceIdentity(long)).toMatch(/^[\w+=,.@-]+$/);
    expect(sourceIdentityPattern('dev')).toBe('tfpf.dev_*');
  });

  const testApp = buildTestApp(modelWith(), { bootstrap: { toolingAccount: TOOLING } });
  const template = Template.fromStack(
    testApp.bootstraps.find((s) => s.stackName === 'tfpf-bootstrap-dev-111111111111') as Stack,
  );
  const trusts = Object.values(template.findResources('AWS::IAM::Role')).map(
    (r) =>
      (r.Properties as { RoleName: string; AssumeRolePolicyDocument: { Statement: Statement[] } })
        .AssumeRolePolicyDocument.Statement,
  );

  test('both roles require sts:SourceIdentity like tfpf.dev_* on the one statement allowing AssumeRole', () => {
    // Mutation caught: a trust without the condition (sessions without a release name would be admitted).
    expect(trusts).toHaveLength(2);
    for (const statements of trusts) {
      expect(statements).toHaveLength(1);
      expect(actions(statements[0])).toEqual(
        expect.arrayContaining(['sts:AssumeRole', 'sts:SetSourceIdentity']),
      );
      expect(statements[0].Condition).toEqual({ StringLike: { 'sts:SourceIdentity': 'tfpf.dev_*' } });
    }
  });

  test('a dev release is admitted; no source identity, another environment or a look-alike is not', () => {
    for (const [statement] of trusts) {
      expect(admits(statement, sourceIdentity('dev_us-east-1/research/1.4.0'))).toBe(true);
      expect(admits(statement, sourceIdentity('dev_global/risk/2.0'))).toBe(true);
      expect(admits(statement, undefined)).toBe(false);
      expect(admits(statement, sourceIdentity('prod_us-east-1/research/1.4.0'))).toBe(false);
      expect(admits(statement, sourceIdentity('devtest_us-east-1/research/1.0'))).toBe(false);
      expect(admits(statement, 'dev_us-east-1@research@1.4.0')).toBe(false);
    }
  });
});

describe('state access: plan reads, apply reads and writes', () => {
  const dynamo = modelWith({
    'factory.yaml': [
      'repository: infra',
      'stateBucketPrefix: acme-tfstate',
      'globalRegion: us-east-1',
      'locking: dynamodb',
      'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
      '',
    ].join('\n'),
  });
  const testApp = buildTestApp(dynamo);
  const dev = testApp.template(testApp.environments.dev);
  const statements = identityStatements(dev);
  /** Actions a role is allowed on the state: the state bucket and objects, the state keys, the lock table. */
  const onState = (roleName: string): Set<string> =>
    new Set(
      statements
        .filter((s) => s.role === roleIdByName(dev, roleName) && s.statement.Effect === 'Allow')
        .filter((s) => /acme-tfstate|:key\/\*/.test(JSON.stringify(s.statement.Resource ?? '*')))
        .flatMap((s) => actions(s.statement)),
    );

  test('PROOF: the plan project role cannot write, delete or lock state, nor encrypt with the state key', () => {
    // Mutation caught: giving plan the read/write state statements (plan runs repository code).
    const plan = onState('tfpf-dev-plan-project');
    expect(plan.size).toBeGreaterThan(0);
    for (const action of plan) {
      expect(action).toMatch(
        /^(s3:GetObject|s3:ListBucket|s3:GetBucketLocation|s3:GetBucketVersioning|kms:Decrypt|dynamodb:GetItem)$/,
      );
    }
    for (const forbidden of [
      's3:PutObject',
      's3:DeleteObject',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    ]) {
      expect({ forbidden, granted: plan.has(forbidden) }).toEqual({ forbidden, granted: false });
    }
  });

  test('the plan project role reads state: objects, bucket listing, the key (alias-bound), the digest item', () => {
    const role = roleIdByName(dev, 'tfpf-dev-plan-project');
    const bySid = Object.fromEntries(
      statements
        .filter((s) => s.role === role && s.statement.Sid !== undefined)
        .map((s) => [s.statement.Sid, s.statement]),
    );
    expect(bySid.StateObjects.Action).toBe('s3:GetObject');
    expect(bySid.StateObjects.Resource).toBe('arn:aws:s3:::acme-tfstate-dev/*');
    expect(actions(bySid.StateBucket)).toContain('s3:ListBucket');
    expect(bySid.StateKey.Action).toBe('kms:Decrypt');
    expect(bySid.StateKey.Condition).toMatchObject({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/acme-tfstate-dev-state'] },
    });
    expect(bySid.StateLockTable.Action).toBe('dynamodb:GetItem');
    expect(bySid.StateLockTable.Resource).toBe(
      'arn:aws:dynamodb:eu-central-1:123456789012:table/acme-tfstate-lock-dev',
    );
  });

  test('the apply project role keeps read/write state and the lock', () => {
    const apply = onState('tfpf-dev-apply-project');
    for (const needed of [
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    ]) {
      expect({ needed, granted: apply.has(needed) }).toEqual({ needed, granted: true });
    }
  });
});

describe('workload side: bootstrap stacks', () => {
  const testApp = buildTestApp(modelWith(), { bootstrap: { toolingAccount: TOOLING } });

  test('one bootstrap stack per (environment, workload account), in that account, no CDK bootstrap needed', () => {
    const names = testApp.bootstraps.map((s) => s.stackName).sort();
    expect(names).toEqual(
      [
        ...DEV_ACCOUNTS.map((a) => `tfpf-bootstrap-dev-${a}`),
        ...PROD_ACCOUNTS.map((a) => `tfpf-bootstrap-prod-${a}`),
        'tfpf-bootstrap-qa-111111111112',
        'tfpf-bootstrap-qa-222222222223',
        'tfpf-bootstrap-staging-111111111113',
        'tfpf-bootstrap-staging-222222222224',
      ].sort(),
    );
    for (const stack of testApp.bootstraps) {
      expect(stack.region).toBe('us-east-1');
      const account = stack.stackName.split('-').pop();
      expect(stack.account).toBe(account);
      // CliCredentialsStackSynthesizer: no BootstrapVersion parameter/rule
      expect(Template.fromStack(stack).toJSON().Parameters?.BootstrapVersion).toBeUndefined();
    }
  });

  test("the plan role trusts exactly the tooling account's tfpf-<env>-plan-project role, with the three actions", () => {
    const stack = testApp.bootstraps.find((s) => s.stackName === 'tfpf-bootstrap-dev-111111111111');
    const template = Template.fromStack(stack as Stack);
    template.resourceCountIs('AWS::IAM::Role', 2);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'tfpf-dev-plan',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ToolingProjectOnly',
            Effect: 'Allow',
            Principal: { AWS: roleArn(TOOLING, 'tfpf-dev-plan-project') },
            Action: [...TRUST_ACTIONS],
            Condition: { StringLike: { 'sts:SourceIdentity': 'tfpf.dev_*' } },
          },
        ],
      },
      ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'tfpf-dev-apply',
      AssumeRolePolicyDocument: {
        Statement: [
          { Principal: { AWS: roleArn(TOOLING, 'tfpf-dev-apply-project') }, Action: [...TRUST_ACTIONS] },
        ],
      },
      ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
  });

  test('PROOF (workload side): a prod bootstrap trusts only prod project roles, never dev ones or the account', () => {
    for (const stack of testApp.bootstraps.filter((s) => s.stackName.startsWith('tfpf-bootstrap-prod-'))) {
      const roles = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
      const principals = roles.flatMap((r) =>
        (
          r.Properties as { AssumeRolePolicyDocument: { Statement: { Principal: { AWS: unknown } }[] } }
        ).AssumeRolePolicyDocument.Statement.map((s) => s.Principal.AWS),
      );
      expect(principals.sort()).toEqual(
        [roleArn(TOOLING, 'tfpf-prod-apply-project'), roleArn(TOOLING, 'tfpf-prod-plan-project')].sort(),
      );
      const text = JSON.stringify(roles);
      expect(text).not.toContain('tfpf-dev-');
      expect(text).not.toContain(`arn:aws:iam::${TOOLING}:root`);
    }
  });

  test('no bootstrap stack unless asked for (the main synth stays small)', () => {
    expect(buildTestApp(modelWith()).bootstraps).toHaveLength(0);
  });

  test('teams sharing an account in one environment get one bootstrap stack', () => {
    const model = modelWith({
      'dev.yaml': [
        'environment: dev',
        'regions: [us-east-1]',
        'teams:',
        '  research: { account: "111111111111" }',
        '  risk: { account: "111111111111" }',
        'approval: { required: true }',
        '',
      ].join('\n'),
    });
    const app = buildTestApp(model, { bootstrap: { toolingAccount: TOOLING } });
    expect(
      app.bootstraps.filter((s) => s.stackName.startsWith('tfpf-bootstrap-dev-')).map((s) => s.stackName),
    ).toEqual(['tfpf-bootstrap-dev-111111111111']);
  });
});

describe('WorkloadBootstrapStack options', () => {
  function synth(props: Partial<ConstructorParameters<typeof WorkloadBootstrapStack>[2]> = {}): Template {
    const app = new App({ context: cdkJsonContext() });
    const stack = new WorkloadBootstrapStack(app, 'Bootstrap', {
      environment: 'dev',
      toolingAccount: TOOLING,
      env: { account: '111111111111', region: 'us-east-1' },
      ...props,
    });
    return Template.fromStack(stack);
  }

  test('applyPolicyArns replaces AdministratorAccess; permissionsBoundaryArn caps both roles', () => {
    const template = synth({
      applyPolicyArns: [
        'arn:aws:iam::111111111111:policy/terraform-network',
        'arn:aws:iam::aws:policy/AmazonS3FullAccess',
      ],
      permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/tfpf-boundary',
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'tfpf-dev-apply',
      ManagedPolicyArns: [
        'arn:aws:iam::111111111111:policy/terraform-network',
        'arn:aws:iam::aws:policy/AmazonS3FullAccess',
      ],
      PermissionsBoundary: 'arn:aws:iam::111111111111:policy/tfpf-boundary',
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'tfpf-dev-plan',
      PermissionsBoundary: 'arn:aws:iam::111111111111:policy/tfpf-boundary',
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('AdministratorAccess');
  });

  test('invalid properties are reported together', () => {
    expect(() =>
      synth({
        environment: 'Dev',
        toolingAccount: '12345',
        applyPolicyArns: ['AdministratorAccess'],
        permissionsBoundaryArn: 'boundary',
      }),
    ).toThrow(
      /environment "Dev"[\s\S]*toolingAccount "12345"[\s\S]*applyPolicyArns: "AdministratorAccess"[\s\S]*permissionsBoundaryArn: "boundary"/,
    );
  });

  test('custom role names are used on both sides of the trust', () => {
    const template = synth({ planRoleName: 'team-plan', planProjectRoleName: 'custom-plan-project' });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'team-plan',
      AssumeRolePolicyDocument: {
        Statement: [{ Principal: { AWS: roleArn(TOOLING, 'custom-plan-project') } }],
      },
    });
  });
});
