import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import { AWS_REGIONS, buildModel, type FactoryModel } from '../../src/config';
import { addFactoryStacks, type FactoryAppOptions, type FactoryStacks } from '../../src/stacks';

/** Account and region every test app is synthesized for. */
export const TEST_ENV = { account: '123456789012', region: 'eu-central-1' } as const;

export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/**
 * Stand-in buildspecs with the contract's shape (report groups, exported variables, artifact). Structure tests use
 * them so they do not change with the real buildspecs' commands; `buildspecs.test.ts` builds the app from the real
 * `buildspecs/` folder.
 */
export const FIXTURE_BUILDSPECS = path.join(PROJECT_ROOT, 'test', 'stacks', 'fixtures', 'buildspecs');

/** The feature flags of `cdk.json`, so tests synthesize what `cdk synth` synthesizes. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return { ...cdkJson.context };
}

export interface TestAppOptions extends Omit<FactoryAppOptions, 'env'> {
  /**
   * Run `NodejsFunction` bundling (esbuild through npx, ~1.7 s per function). Default: false; templates are the
   * same apart from the asset hash.
   */
  readonly bundling?: boolean;
  /** cdk-nag. Default: false here (the nag test turns it on). */
  readonly nag?: boolean;
  /** Region of the tooling and pipeline stacks. Default: `TEST_ENV.region`. */
  readonly region?: string;
}

export interface TestApp extends FactoryStacks {
  readonly app: App;
  /** The stack's template (synthesized once per stack). */
  template(stack: Stack): Template;
}

/** Builds the factory app for `config` with the fixed test account/region and the project's feature flags. */
export function buildTestApp(config: FactoryModel, options: TestAppOptions = {}): TestApp {
  // As src/app.ts: the built-in CloudFormation validation is off (cfn-lint runs in scripts/check-templates).
  const app = new App({
    builtinCloudFormationValidation: false,
    context: {
      ...cdkJsonContext(),
      ...(options.bundling === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const { region, ...appOptions } = options;
  const stacks = addFactoryStacks(app, config, {
    ...appOptions,
    env: { account: TEST_ENV.account, region: region ?? TEST_ENV.region },
    nag: options.nag ?? false,
    buildSpecDir: options.buildSpecDir ?? FIXTURE_BUILDSPECS,
  });
  const templates = new Map<Stack, Template>();
  const template = (stack: Stack): Template => {
    let t = templates.get(stack);
    if (t === undefined) {
      t = Template.fromStack(stack);
      templates.set(stack, t);
    }
    return t;
  };
  return { app, ...stacks, template };
}

export interface GeneratedConfig {
  readonly environments: number;
  readonly regions: number;
  readonly teams: number;
  /** Extra `factory.yaml` lines (e.g. `locking: dynamodb`). */
  readonly factoryExtra?: string;
}

/** `factory.yaml` + `<env>.yaml` texts for a synthetic configuration of the given size. */
export function generateConfigFiles(size: GeneratedConfig): { name: string; text: string }[] {
  const regions = AWS_REGIONS.slice(0, size.regions);
  if (regions.length < size.regions) throw new Error(`only ${AWS_REGIONS.length} regions are known`);
  const files = [
    {
      name: 'factory.yaml',
      text: [
        'repository: infra',
        'mainBranch: main',
        'stateBucketPrefix: acme-tfstate',
        'globalRegion: us-east-1',
        'tools: { engine: terraform, terraform: 1.12.2, tflint: 0.64.0, tfsec: 1.28.14, checkov: 3.3.30 }',
        ...(size.factoryExtra === undefined ? [] : [size.factoryExtra]),
        '',
      ].join('\n'),
    },
  ];
  for (let e = 0; e < size.environments; e++) {
    const env = e === 0 ? 'dev' : `env${e}`;
    const teams = Array.from({ length: size.teams }, (_, t) => {
      const account = String(100000000000 + e * 1000 + t);
      return `  team${t}: { account: "${account}" }`;
    });
    files.push({
      name: `${env}.yaml`,
      text: [
        `environment: ${env}`,
        `regions: [${regions.join(', ')}]`,
        'teams:',
        ...teams,
        'approval:',
        '  required: true',
        '  notify: [platform@example.com]',
        '',
      ].join('\n'),
    });
  }
  return files;
}

/** A validated model of a synthetic configuration. */
export function generatedModel(size: GeneratedConfig): FactoryModel {
  return buildModel('/generated', 'generated', generateConfigFiles(size));
}

/** Writes a synthetic configuration folder into `dir` (for `cdk synth -c config=<dir>`). */
export function writeGeneratedConfig(dir: string, size: GeneratedConfig): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of generateConfigFiles(size)) fs.writeFileSync(path.join(dir, file.name), file.text);
}

/**
 * The buildspec a CodeBuild project reads: the projects name an S3 asset (`Source.BuildSpec` is its ARN), staged
 * by the synth as `asset.<hash>.yml` in the app's output folder. Synthesize the app (e.g. `template()`) first.
 */
export function projectBuildSpec(app: App, buildSpecProperty: unknown): Record<string, unknown> {
  const match = /\/([0-9a-f]{64}\.yml)"/.exec(JSON.stringify(buildSpecProperty));
  if (match === null) throw new Error(`not an S3 asset buildspec: ${JSON.stringify(buildSpecProperty)}`);
  const file = path.join(app.outdir, `asset.${match[1]}`);
  return parseYaml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}
