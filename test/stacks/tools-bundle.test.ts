import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../src/config';
import { BUILDSPEC_NAMES } from '../../src/pipeline';
import { BUNDLE_WRITE_ACTIONS } from '../../src/pipeline/tools-bundle';
import { ToolsBundleError } from '../../src/pipeline/tools-bundle-access';
import { envYaml, modelWith, writeConfigDir } from '../support/config-files';
import { keyPolicies, type KeyStatement } from '../support/key-policy';
import { buildTestApp, TEST_ENV } from '../support/test-app';

// The tools bundle (src/pipeline/tools-bundle.ts, src/pipeline/tools-bundle-access.ts): the bucket only the
// builder may write, the builder without source, and each action's read of its own lock digest's bundle.

const LOCK = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'pipelines', 'tools.lock.json'), 'utf8'),
);
const DIGEST = LOCK.digest as string;
const OTHER_DIGEST = 'f'.repeat(64);
const BUCKET = 'acme-tfstate-tools-bundles';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const OWN_OBJECTS = `${BUCKET_ARN}/bundles/${DIGEST}/*`;
const S3_VIA = `s3.${TEST_ENV.region}.amazonaws.com`;

type Statement = Record<string, unknown> & {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** An IAM ARN pattern (`*` and `?` wildcards) against a concrete ARN. */
function arnMatches(pattern: string, arn: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(arn);
}

function resources(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

function oneOf(template: Template, type: string, where: (r: Resource) => boolean): [string, Resource] {
  const found = Object.entries(resources(template, type)).filter(([, r]) => where(r));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** Statements of the identity policies attached to the role with logical id `roleId`. */
function roleStatements(template: Template, roleId: string): Statement[] {
  return Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((p) =>
      asList(p.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function roleIdOf(project: Resource): string {
  return (project.Properties.ServiceRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

const withLock = buildTestApp(loadConfig(writeConfigDir()));
const tooling = withLock.template(withLock.tooling);
const dev = withLock.template(withLock.environments.dev!);

describe('bundle bucket', () => {
  const [bucketId, bucket] = oneOf(tooling, 'AWS::S3::Bucket', (r) => r.Properties.BucketName === BUCKET);
  const [keyId] = oneOf(tooling, 'AWS::KMS::Key', (r) =>
    String(r.Properties.Description).startsWith('tfpf: tools bundles'),
  );
  const [builderId, builder] = oneOf(
    tooling,
    'AWS::CodeBuild::Project',
    (r) => r.Properties.Name === 'tfpf-tools-bundle',
  );
  const builderRoleId = roleIdOf(builder);
  const policy = oneOf(
    tooling,
    'AWS::S3::BucketPolicy',
    (r) => JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
  )[1];
  const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

  test('customer key (rotated, alias), no S3 Bucket Key, versioned, TLS only, private, access-logged', () => {
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: false,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: expect.stringMatching(/^AccessLogs/) },
        LogFilePrefix: `tools-bundles/${BUCKET}/`,
      },
    });
    tooling.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      Description: Match.stringLikeRegexp('^tfpf: tools bundles'),
    });
    tooling.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: `alias/${BUCKET}`,
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  test('the bucket policy denies every object write to any principal but the builder role', () => {
    const deny = statements.find((s) => s.Sid === 'DenyWritesButBuilder');
    expect(deny).toEqual({
      Sid: 'DenyWritesButBuilder',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...BUNDLE_WRITE_ACTIONS].sort(),
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [builderRoleId, 'Arn'] } } },
    });
  });

  test('negative: the bucket policy allows nothing, and its only exception is the builder role', () => {
    expect(statements.filter((s) => s.Effect !== 'Deny')).toEqual([]);
    // Beside the write deny: only the TLS denials the CDK adds (no other principal is exempted anywhere).
    expect(statements.filter((s) => s.Sid !== 'DenyWritesButBuilder').map((s) => s.Condition)).toEqual([
      { Bool: { 'aws:SecureTransport': 'false' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    ]);
    // The deny covers both writing and deleting; exempting anything but the builder's exact role ARN fails here.
    const deny = statements.find((s) => s.Sid === 'DenyWritesButBuilder') as Statement;
    expect(asList(deny.Action)).toEqual(
      expect.arrayContaining(['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']),
    );
    expect(Object.keys(deny.Condition ?? {})).toEqual(['ArnNotEquals']);
  });

  test('KMS key policy: the account administers it, only the builder encrypts, nothing decrypts outside S3', () => {
    const key = keyPolicies(tooling)[keyId] as KeyStatement[];
    expect(key).toEqual([
      {
        Action: 'kms:*',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${TEST_ENV.account}:root` },
        Resource: '*',
      },
      {
        Sid: 'DenyEncryptButBuilder',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [builderRoleId, 'Arn'] } } },
      },
      {
        Sid: 'DenyDecryptOutsideS3',
        Action: 'kms:Decrypt',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: '*',
        Condition: { StringNotEquals: { 'kms:ViaService': S3_VIA } },
      },
    ]);
  });

  test('negative: no service or other account is a principal of the bundle key', () => {
    const key = keyPolicies(tooling)[keyId] as KeyStatement[];
    const allowed = key.filter((s) => s.Effect === 'Allow').map((s) => s.Principal);
    expect(allowed).toEqual([{ AWS: `arn:aws:iam::${TEST_ENV.account}:root` }]);
  });

  describe('builder', () => {
    test('has no source: its buildspec is the synth-time S3 object, and it keeps nothing (no artifacts, no cache)', () => {
      expect(builder.Properties.Source).toEqual({
        Type: 'NO_SOURCE',
        BuildSpec: expect.stringMatching(
          /^arn:aws:s3:::cdk-[a-z0-9]+-assets-123456789012-eu-central-1\/[0-9a-f]{64}\.yml$/,
        ),
      });
      expect(builder.Properties.SecondarySources).toBeUndefined();
      expect(builder.Properties.Artifacts).toEqual({ Type: 'NO_ARTIFACTS' });
      expect(builder.Properties.Cache).toEqual({ Type: 'NO_CACHE' });
      // The image of the checkov action (Lambda compute in eu-central-1 by default).
      expect(builder.Properties.Environment).toMatchObject({
        Image: 'aws/codebuild/amazonlinux-x86_64-lambda-standard:python3.12',
        EnvironmentVariables: [
          { Name: 'TFPF_TOOLS_BUNDLE_BUCKET', Type: 'PLAINTEXT', Value: BUCKET },
          { Name: 'TFPF_LOCK_DIGEST', Type: 'PLAINTEXT', Value: DIGEST },
        ],
      });
    });

    test('writes only its own digest prefix, encrypts only that, reads only its buildspec', () => {
      const own = roleStatements(tooling, builderRoleId).filter((s) => s.Sid !== undefined);
      expect(own).toEqual([
        { Sid: 'WriteOwnBundle', Effect: 'Allow', Action: 's3:PutObject', Resource: OWN_OBJECTS },
        {
          Sid: 'EncryptOwnBundle',
          Effect: 'Allow',
          Action: 'kms:GenerateDataKey',
          Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
          Condition: {
            StringEquals: { 'kms:ViaService': S3_VIA },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': OWN_OBJECTS },
          },
        },
        {
          Sid: 'ReadOwnBuildSpec',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource:
            builder.Properties.Source && (builder.Properties.Source as { BuildSpec: string }).BuildSpec,
        },
      ]);
    });

    test('negative: the builder cannot write another digest, read bundles, or reach the repository', () => {
      const all = roleStatements(tooling, builderRoleId);
      const actions = all.flatMap((s) => asList(s.Action));
      expect(actions.filter((a) => a.startsWith('codecommit:'))).toEqual([]);
      const writes = all.filter((s) => asList(s.Action).includes('s3:PutObject'));
      for (const s of writes) {
        for (const r of asList(s.Resource as string)) {
          expect(arnMatches(r, `${BUCKET_ARN}/bundles/${DIGEST}/linux_amd64/manifest.json`)).toBe(true);
          expect(arnMatches(r, `${BUCKET_ARN}/bundles/${OTHER_DIGEST}/linux_amd64/manifest.json`)).toBe(
            false,
          );
        }
      }
      const reads = all.filter((s) => asList(s.Action).includes('s3:GetObject'));
      expect(
        reads.flatMap((s) => asList(s.Resource as string)).filter((r) => String(r).includes(BUCKET)),
      ).toEqual([]);
    });

    test('is started on deploy with the lock digest as its physical id, on create and on update', () => {
      const [, start] = oneOf(tooling, 'Custom::AWS', (r) =>
        String(r.Properties.Create).includes('startBuild'),
      );
      for (const when of ['Create', 'Update']) {
        expect(JSON.parse(start.Properties[when] as string)).toEqual({
          service: 'CodeBuild',
          action: 'startBuild',
          parameters: {
            projectName: 'tfpf-tools-bundle',
            environmentVariablesOverride: [{ name: 'TFPF_LOCK_DIGEST', value: DIGEST, type: 'PLAINTEXT' }],
          },
          outputPaths: ['build.id'],
          physicalResourceId: { id: `tools-bundle-${DIGEST}` },
        });
      }
      expect(start.Properties.InstallLatestAwsSdk).toBe(false);
      const policies = Object.values(resources(tooling, 'AWS::IAM::Policy')).filter((p) =>
        JSON.stringify(p.Properties.PolicyName).includes('BuildOnDeployCustomResourcePolicy'),
      );
      expect(
        policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
      ).toEqual([
        { Action: 'codebuild:StartBuild', Effect: 'Allow', Resource: { 'Fn::GetAtt': [builderId, 'Arn'] } },
      ]);
    });

    test('a changed lock digest changes what the custom resource is, so the builder runs again', () => {
      const changed = JSON.stringify({ ...LOCK, digest: OTHER_DIGEST });
      const app = buildTestApp(loadConfig(writeConfigDir({ 'tools.lock.json': changed })));
      const [, start] = oneOf(app.template(app.tooling), 'Custom::AWS', (r) =>
        String(r.Properties.Create).includes('startBuild'),
      );
      expect(JSON.parse(start.Properties.Update as string).physicalResourceId).toEqual({
        id: `tools-bundle-${OTHER_DIGEST}`,
      });
    });
  });
});

describe('actions read the bundle of their own lock digest', () => {
  const projects = Object.values(resources(dev, 'AWS::CodeBuild::Project'));

  test('every action project names the bucket and its digest prefix', () => {
    expect(projects).toHaveLength(BUILDSPEC_NAMES.length);
    for (const project of projects) {
      const vars = (
        project.Properties.Environment as { EnvironmentVariables: { Name: string; Value: string }[] }
      ).EnvironmentVariables;
      expect(vars.filter((v) => v.Name.startsWith('TFPF_TOOLS_BUNDLE_'))).toEqual([
        { Name: 'TFPF_TOOLS_BUNDLE_BUCKET', Type: 'PLAINTEXT', Value: BUCKET },
        { Name: 'TFPF_TOOLS_BUNDLE_PREFIX', Type: 'PLAINTEXT', Value: `bundles/${DIGEST}` },
      ]);
    }
  });

  test('every action role may get the objects under bundles/<digest>/ and decrypt them through S3 only', () => {
    for (const project of projects) {
      const bundle = roleStatements(dev, roleIdOf(project)).filter((s) =>
        String(s.Sid).startsWith('ToolsBundle'),
      );
      expect(bundle).toEqual([
        { Sid: 'ToolsBundleObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: OWN_OBJECTS },
        {
          Sid: 'ToolsBundleKey',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: `arn:aws:kms:${TEST_ENV.region}:${TEST_ENV.account}:key/*`,
          Condition: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/${BUCKET}`] },
            StringEquals: { 'kms:ViaService': S3_VIA },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': OWN_OBJECTS },
          },
        },
      ]);
    }
  });

  test('negative: no action can read another digest, list the bucket, write it, or decrypt another object', () => {
    for (const project of projects) {
      const all = roleStatements(dev, roleIdOf(project));
      const touching = all.filter(
        (s) =>
          JSON.stringify(s.Resource ?? '').includes(BUCKET) ||
          JSON.stringify(s.Condition ?? '').includes(BUCKET),
      );
      expect(touching.flatMap((s) => asList(s.Action)).sort()).toEqual(['kms:Decrypt', 's3:GetObject']);
      const objects = touching.find((s) => s.Sid === 'ToolsBundleObjects') as Statement;
      expect(
        arnMatches(
          objects.Resource as string,
          `${BUCKET_ARN}/bundles/${DIGEST}/linux_amd64/checkov-venv.tar.gz`,
        ),
      ).toBe(true);
      expect(
        arnMatches(
          objects.Resource as string,
          `${BUCKET_ARN}/bundles/${OTHER_DIGEST}/linux_amd64/checkov-venv.tar.gz`,
        ),
      ).toBe(false);
      expect(arnMatches(objects.Resource as string, BUCKET_ARN)).toBe(false);
      const key = touching.find((s) => s.Sid === 'ToolsBundleKey') as Statement;
      const context = (key.Condition?.StringLike as Record<string, string>)[
        'kms:EncryptionContext:aws:s3:arn'
      ] as string;
      expect(arnMatches(context, `${BUCKET_ARN}/bundles/${OTHER_DIGEST}/linux_amd64/manifest.json`)).toBe(
        false,
      );
      expect(
        arnMatches(context, `arn:aws:s3:::acme-tfstate-dev/research/dev-eu-central-1/terraform.tfstate`),
      ).toBe(false);
    }
  });
});

describe('without a tools lock', () => {
  const app = buildTestApp(modelWith());

  test('there is no bundle: no bucket, no builder, and the actions are not told of one', () => {
    expect(app.tooling.toolsBundle).toBeUndefined();
    const t = app.template(app.tooling);
    expect(
      Object.values(resources(t, 'AWS::S3::Bucket')).filter((b) => b.Properties.BucketName === BUCKET),
    ).toEqual([]);
    const devTemplate = app.template(app.environments.dev!);
    expect(JSON.stringify(devTemplate.toJSON())).not.toContain('TFPF_TOOLS_BUNDLE_');
  });
});

test('an environment named like the bundle bucket is refused, naming its file', () => {
  const dir = writeConfigDir({
    'tools-bundles.yaml': envYaml(
      'tools-bundles',
      'regions: [eu-central-1]\nteams: { research: { account: "111111111111" } }\n',
    ),
  });
  expect(() => buildTestApp(loadConfig(dir))).toThrow(ToolsBundleError);
  expect(() => buildTestApp(loadConfig(dir))).toThrow(
    /tools-bundles\.yaml: environment "tools-bundles" would name its state bucket acme-tfstate-tools-bundles/,
  );
});
