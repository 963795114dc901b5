import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/config';
import { configJsonSchemas } from '../../src/config/json-schema';
import {
  configProblems,
  modelWith,
  SHIPPED_CONFIG_DIR,
  shippedConfigFiles,
  writeConfigDir,
} from '../support/config-files';

function problemsOf(changes: Record<string, string | null>): string[] {
  return configProblems(() => modelWith(changes));
}

const shipped = shippedConfigFiles();
const qa = shipped.get('qa.yaml') as string;
const prod = shipped.get('prod.yaml') as string;
const factory = shipped.get('factory.yaml') as string;

describe('shipped default configuration', () => {
  test('loads four environments with three regions and two teams each', () => {
    const model = loadConfig(SHIPPED_CONFIG_DIR);
    expect(model.environments.map((e) => e.environment)).toEqual(['dev', 'prod', 'qa', 'staging']);
    for (const env of model.environments) {
      expect(env.regions).toEqual(['us-east-1', 'eu-central-1', 'ap-southeast-1']);
      expect(Object.keys(env.teams).sort()).toEqual(['research', 'risk']);
      expect(env.approval.required).toBe(true);
    }
  });

  test('resolves defaults once: layout, locking, pipeline prefix, protected prod', () => {
    const model = loadConfig(SHIPPED_CONFIG_DIR);
    expect(model.factory.layout).toEqual({
      regional: 'regional',
      global: 'global',
      vars: 'vars',
      variables: {
        region: 'targetRegion',
        account: 'account',
        environment: 'environment',
        team: 'team',
        release_version: 'version',
      },
    });
    expect(model.factory.scanners).toEqual({
      failOn: 'LOW',
      repoConfig: 'report',
      skip: { checkov: [], tfsec: [], tflint: [] },
      tflintPlugins: [],
    });
    expect(model.factory.locking).toBe('s3-lockfile');
    expect(model.factory.pipelineNamePrefix).toBe('tfpf');
    expect(model.environments.find((e) => e.environment === 'prod')?.protected).toBe(true);
    expect(model.environments.find((e) => e.environment === 'dev')?.protected).toBe(false);
  });

  test('a config holding only the contract keys is valid', () => {
    const minimal = [
      'repository: infra',
      'mainBranch: main',
      'stateBucketPrefix: acme-tfstate',
      'globalRegion: us-east-1',
      'tools: { terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.13, checkov: 3.3.30 }',
      '',
    ].join('\n');
    const dev = 'environment: dev\nregions: [us-east-1]\nteams:\n  research: { account: "111111111111" }\n';
    const model = modelWith({
      'factory.yaml': minimal,
      'dev.yaml': dev,
      'qa.yaml': null,
      'staging.yaml': null,
      'prod.yaml': null,
    });
    expect(model.environments).toHaveLength(1);
    expect(model.environments[0]?.approval).toEqual({ required: true, notify: [], timeoutMinutes: 10080 });
  });

  test('every YAML file references the published JSON schema', () => {
    for (const [name, text] of shipped) {
      const expected = name === 'factory.yaml' ? './factory.schema.json' : './schema.json';
      expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${expected}`);
    }
  });

  test('the committed JSON schemas are generated from the zod schema (run `npm run schema`)', () => {
    for (const [file, schema] of Object.entries(configJsonSchemas())) {
      const committed = JSON.parse(fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, file), 'utf8')) as unknown;
      expect(committed).toEqual(schema);
    }
  });

  test('the JSON schema refuses unknown keys and lists the AWS regions', () => {
    const schema = configJsonSchemas()['schema.json'] as {
      additionalProperties: boolean;
      properties: { regions: { items: { enum: string[] } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.regions.items.enum).toContain('eu-central-1');
  });
});

describe('broken configurations name the file, the field and what is allowed', () => {
  test.each<[string, Record<string, string | null>, string]>([
    [
      'misspelled region',
      { 'qa.yaml': qa.replace('eu-central-1', 'eu-centrl-1') },
      'pipelines/qa.yaml: regions[1]: "eu-centrl-1" is not an AWS region (did you mean "eu-central-1"?) (line 3)',
    ],
    [
      'unquoted account ID',
      { 'qa.yaml': qa.replace('"111111111112"', '111111111112') },
      'pipelines/qa.yaml: teams.research.account: must be a quoted 12-digit string such as "111111111111"; YAML read the unquoted number 111111111112',
    ],
    [
      'account ID with 11 digits',
      { 'qa.yaml': qa.replace('"111111111112"', '"11111111112"') },
      'pipelines/qa.yaml: teams.research.account: "11111111112" is not an AWS account ID: use exactly 12 digits',
    ],
    [
      'unknown top-level key (typo)',
      { 'qa.yaml': qa.replace('regions:', 'regoins:') },
      'pipelines/qa.yaml: regoins: unknown key (did you mean "regions"?); allowed here: environment, regions, teams, approval, protected',
    ],
    [
      'unknown nested key',
      { 'qa.yaml': qa.replace('research: { account:', 'research: { acount:') },
      'pipelines/qa.yaml: teams.research.acount: unknown key (did you mean "account"?); allowed here: account',
    ],
    [
      'environment differs from file name',
      { 'qa.yaml': qa.replace('environment: qa', 'environment: qa2') },
      'pipelines/qa.yaml: environment: "qa2" must equal the file name "qa"',
    ],
    [
      'prod without required approval',
      { 'prod.yaml': prod.replace('required: true', 'required: false') },
      'pipelines/prod.yaml: approval.required: prod is a protected environment and must require approval',
    ],
    [
      'tool version range',
      { 'factory.yaml': factory.replace('terraform: 1.12.2', 'terraform: "~1.12"') },
      'pipelines/factory.yaml: tools.terraform: "~1.12" is not an exact version',
    ],
    [
      'tool version read as a YAML number',
      { 'factory.yaml': factory.replace('tflint: 0.64.0', 'tflint: 0.64') },
      'pipelines/factory.yaml: tools.tflint: must be an exact version such as "1.9.8" written as a string; found the unquoted number 0.64',
    ],
    [
      'tool version latest',
      { 'factory.yaml': factory.replace('checkov: 3.3.30', 'checkov: latest') },
      'pipelines/factory.yaml: tools.checkov: "latest" is not an exact version',
    ],
    [
      'upper-case environment name',
      { 'qa.yaml': qa.replace('environment: qa', 'environment: QA') },
      'pipelines/qa.yaml: environment: "QA" is not a valid name',
    ],
    [
      'invalid team name',
      { 'qa.yaml': qa.replace('research: {', 'Research_1: {') },
      'pipelines/qa.yaml: teams.Research_1: "Research_1" is not a valid name',
    ],
    [
      'missing factory.yaml',
      { 'factory.yaml': null },
      'pipelines/factory.yaml: missing: every configuration folder needs factory.yaml',
    ],
    [
      'upper-case state bucket prefix',
      { 'factory.yaml': factory.replace('acme-tfstate', 'Acme-TFState') },
      'pipelines/factory.yaml: stateBucketPrefix: "Acme-TFState" cannot start an S3 bucket name',
    ],
    [
      'state bucket name too long',
      { 'factory.yaml': factory.replace('acme-tfstate', 'a'.repeat(58)) },
      `pipelines/factory.yaml: stateBucketPrefix: state bucket "${'a'.repeat(58)}-staging" for environment staging would be 66 characters; S3 allows at most 63`,
    ],
    [
      'region listed twice',
      { 'qa.yaml': qa.replace('ap-southeast-1]', 'us-east-1]') },
      'pipelines/qa.yaml: regions[2]: "us-east-1" is listed twice (also regions[0])',
    ],
    [
      'YAML syntax error',
      { 'qa.yaml': qa.replace('regions: [', 'regions: [[') },
      'pipelines/qa.yaml: YAML syntax error',
    ],
    [
      'duplicate YAML key',
      { 'qa.yaml': `${qa}environment: qa\n` },
      'pipelines/qa.yaml: YAML syntax error: Map keys must be unique',
    ],
    [
      'S3 lockfile with a Terraform that predates it',
      { 'factory.yaml': factory.replace('terraform: 1.12.2', 'terraform: 1.8.5') },
      'pipelines/factory.yaml: tools.terraform: terraform 1.8.5 has no S3 lockfile: locking "s3-lockfile" needs terraform >= 1.11.0 (or set locking: dynamodb)',
    ],
    [
      'OpenTofu engine without a version',
      { 'factory.yaml': factory.replace('engine: terraform', 'engine: opentofu') },
      'pipelines/factory.yaml: tools.opentofu: is required when tools.engine is "opentofu"',
    ],
    [
      'protected: false on a protected environment',
      { 'prod.yaml': `${prod}protected: false\n` },
      'pipelines/prod.yaml: protected: "prod" is listed in factory.yaml protectedEnvironments; protected: false conflicts with it',
    ],
    [
      'no teams',
      { 'qa.yaml': qa.replace(/teams:[\s\S]*approval:/, 'teams: {}\napproval:') },
      'pipelines/qa.yaml: teams: must define at least one team',
    ],
    [
      'invalid global region',
      { 'factory.yaml': factory.replace('globalRegion: us-east-1', 'globalRegion: us-east-9') },
      'pipelines/factory.yaml: globalRegion: "us-east-9" is not an AWS region',
    ],
    [
      'invalid approval email',
      { 'qa.yaml': qa.replace('platform@example.com', 'platform-at-example') },
      'pipelines/qa.yaml: approval.notify[0]: "platform-at-example" is not an email address',
    ],
    [
      'no environment files',
      { 'dev.yaml': null, 'qa.yaml': null, 'staging.yaml': null, 'prod.yaml': null },
      'pipelines: no environments: add at least one <env>.yaml file next to factory.yaml',
    ],
    [
      'unknown locking mode',
      { 'factory.yaml': factory.replace('locking: s3-lockfile', 'locking: consul') },
      'pipelines/factory.yaml: locking: must be "s3-lockfile" or "dynamodb"; found string "consul"',
    ],
  ])('%s', (_name, changes, expected) => {
    const problems = problemsOf(changes);
    expect(problems.map((p) => (p.startsWith(expected) ? expected : p))).toContain(expected);
  });

  test('every problem of every file is reported together', () => {
    const problems = problemsOf({
      'qa.yaml': qa.replace('eu-central-1', 'eu-centrl-1').replace('"111111111112"', '123'),
      'prod.yaml': prod.replace('required: true', 'required: false'),
      'factory.yaml': factory.replace('tflint: 0.64.0', 'tflint: latest'),
    });
    expect(problems).toHaveLength(4);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'pipelines/factory.yaml',
      'pipelines/prod.yaml',
      'pipelines/qa.yaml',
      'pipelines/qa.yaml',
    ]);
  });

  test('a missing folder is one clear problem', () => {
    expect(() => loadConfig('/nonexistent/tfpf-config')).toThrow(
      '/nonexistent/tfpf-config: cannot read configuration: folder not found',
    );
  });

  test('loadConfig reads a folder on disk, adding a region needs no code change', () => {
    const dev = shipped.get('dev.yaml') as string;
    const dir = writeConfigDir({ 'dev.yaml': dev.replace('ap-southeast-1]', 'ap-southeast-1, eu-west-1]') });
    const model = loadConfig(dir);
    expect(model.environments.find((e) => e.environment === 'dev')?.regions).toContain('eu-west-1');
  });
});
