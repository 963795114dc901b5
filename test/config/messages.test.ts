import { configProblems, modelWith } from '../support/config-files';

// What a user sees for each invalid value: the whole problem line (file, field, message with what is allowed,
// line), exactly. Each case changes one file of the shipped configuration.

/** Every problem of a rejected configuration, as printed (`file: field: message (line n)`). */
function problemsOf(changes: Record<string, string | null>): string[] {
  return configProblems(() => modelWith(changes));
}

/** A valid environment file `dev.yaml`: line 1 environment, 2 regions, 3 teams, 4 research; `extra` from line 5. */
const DEV = 'environment: dev\nregions: [us-east-1]\nteams:\n  research: { account: "111111111111" }\n';
const dev = (extra = ''): Record<string, string> => ({ 'dev.yaml': DEV + extra });
/** dev.yaml with one line of DEV replaced (`replace` is the first line's start, e.g. `regions:`). */
const devWith = (line: string, replacement: string): Record<string, string> => ({
  'dev.yaml': DEV.split('\n')
    .map((l) => (l.startsWith(line) ? replacement : l))
    .filter((l, i, all) => l !== '' || i === all.length - 1)
    .join('\n'),
});

/**
 * A valid factory.yaml: line 1 repository, 2 stateBucketPrefix, 3 globalRegion, 4 tools, 5 terraform, 6 tflint,
 * 7 tfsec, 8 checkov; `extra` from line 9.
 */
const FACTORY = [
  'repository: infra',
  'stateBucketPrefix: acme-tfstate',
  'globalRegion: us-east-1',
  'tools:',
  '  terraform: 1.12.2',
  '  tflint: 0.64.0',
  '  tfsec: 1.28.13',
  '  checkov: 3.3.30',
  '',
].join('\n');
const factory = (extra = ''): Record<string, string> => ({ 'factory.yaml': FACTORY + extra });
const factoryWith = (from: string, to: string): Record<string, string> => {
  if (!FACTORY.includes(from)) throw new Error(`factory has no ${from}`);
  return { 'factory.yaml': FACTORY.replace(from, to) };
};

const D = 'pipelines/dev.yaml';
const F = 'pipelines/factory.yaml';

describe('environment files', () => {
  test.each<[string, Record<string, string | null>, string[]]>([
    [
      'environment missing (line of the mapping)',
      devWith('environment:', ''),
      [`${D}: environment: is required (a name matching ^[a-z][a-z0-9-]{0,30}$) (line 1)`],
    ],
    [
      'environment a number',
      devWith('environment:', 'environment: 42'),
      [
        `${D}: environment: must be a name matching ^[a-z][a-z0-9-]{0,30}$; found the unquoted number 42 (line 1)`,
      ],
    ],
    [
      'environment a list',
      devWith('environment:', 'environment: [dev]'),
      [`${D}: environment: must be a name matching ^[a-z][a-z0-9-]{0,30}$; found a list (line 1)`],
    ],
    [
      'environment a mapping',
      devWith('environment:', 'environment: { name: dev }'),
      [`${D}: environment: must be a name matching ^[a-z][a-z0-9-]{0,30}$; found a mapping (line 1)`],
    ],
    [
      'environment empty',
      devWith('environment:', 'environment:'),
      [`${D}: environment: must be a name matching ^[a-z][a-z0-9-]{0,30}$; found null (line 1)`],
    ],
    [
      'environment a boolean',
      devWith('environment:', 'environment: true'),
      [`${D}: environment: must be a name matching ^[a-z][a-z0-9-]{0,30}$; found boolean true (line 1)`],
    ],
    [
      'environment with capitals',
      devWith('environment:', 'environment: Dev'),
      [
        `${D}: environment: "Dev" is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter (line 1)`,
      ],
    ],
    [
      'environment other than the file name',
      devWith('environment:', 'environment: qa2'),
      [
        `${D}: environment: "qa2" must equal the file name "dev" (rename the file or the environment) (line 1)`,
      ],
    ],
    [
      'regions a string',
      devWith('regions:', 'regions: us-east-1'),
      [`${D}: regions: must be a list of AWS regions; found string "us-east-1" (line 2)`],
    ],
    [
      'regions missing',
      devWith('regions:', ''),
      [`${D}: regions: must be a list of AWS regions; found nothing (line 1)`],
    ],
    [
      'regions empty',
      devWith('regions:', 'regions: []'),
      [`${D}: regions: must list at least one region (line 2)`],
    ],
    [
      'region a number',
      devWith('regions:', 'regions: [42]'),
      [
        `${D}: regions[0]: must be an AWS region code such as "eu-central-1"; found the unquoted number 42 (line 2)`,
      ],
    ],
    [
      'region nothing like a region',
      devWith('regions:', 'regions: [us-east-1, moon]'),
      [`${D}: regions[1]: "moon" is not an AWS region (line 2)`],
    ],
    [
      'region misspelled, on its own line',
      devWith('regions:', 'regions:\n  - us-east-1\n  - eu-west-1\n  - us-est-2'),
      [`${D}: regions[2]: "us-est-2" is not an AWS region (did you mean "us-east-2"?) (line 5)`],
    ],
    [
      'region listed twice',
      devWith('regions:', 'regions:\n  - us-east-1\n  - eu-west-1\n  - us-east-1'),
      [`${D}: regions[2]: "us-east-1" is listed twice (also regions[0]) (line 5)`],
    ],
    [
      'teams missing',
      { 'dev.yaml': 'environment: dev\nregions: [us-east-1]\n' },
      [`${D}: teams: is required (a mapping of team name to { account: "<12 digits>" }) (line 1)`],
    ],
    [
      'teams a list',
      { 'dev.yaml': 'environment: dev\nregions: [us-east-1]\nteams: [research]\n' },
      [`${D}: teams: must be a mapping of team name to { account }; found a list (line 3)`],
    ],
    [
      'teams empty',
      { 'dev.yaml': 'environment: dev\nregions: [us-east-1]\nteams: {}\n' },
      [`${D}: teams: must define at least one team (line 3)`],
    ],
    [
      'team name with an underscore',
      dev('  risk_team: { account: "222222222222" }\n'),
      [
        `${D}: teams.risk_team: "risk_team" is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter (line 5)`,
      ],
    ],
    [
      'account missing',
      devWith('  research:', '  research: {}'),
      [
        `${D}: teams.research.account: is required (a 12-digit AWS account ID in quotes, such as "111111111111") (line 4)`,
      ],
    ],
    [
      'account unquoted',
      devWith('  research:', '  research: { account: 111111111111 }'),
      [
        `${D}: teams.research.account: must be a quoted 12-digit string such as "111111111111"; YAML read the unquoted number 111111111111 (quote it: leading zeros in account IDs are significant) (line 4)`,
      ],
    ],
    [
      'account a list',
      devWith('  research:', '  research: { account: ["111111111111"] }'),
      [`${D}: teams.research.account: must be a quoted 12-digit AWS account ID; found a list (line 4)`],
    ],
    [
      'account of 13 digits',
      devWith('  research:', '  research: { account: "1111111111111" }'),
      [
        `${D}: teams.research.account: "1111111111111" is not an AWS account ID: use exactly 12 digits (line 4)`,
      ],
    ],
    [
      'account with a letter',
      devWith('  research:', '  research: { account: "11111111111a" }'),
      [
        `${D}: teams.research.account: "11111111111a" is not an AWS account ID: use exactly 12 digits (line 4)`,
      ],
    ],
    [
      'approval.required not a boolean',
      dev('approval:\n  required: maybe\n'),
      [
        `${D}: approval.required: must be true or false (require a manual approval before apply); found string "maybe" (line 6)`,
      ],
    ],
    [
      'approval.notify not an email',
      dev('approval:\n  notify:\n    - ops@example.com\n    - ops\n'),
      [`${D}: approval.notify[1]: "ops" is not an email address (line 8)`],
    ],
    [
      'approval.timeoutMinutes a string',
      dev('approval: { timeoutMinutes: "60" }\n'),
      [`${D}: approval.timeoutMinutes: must be a whole number of minutes; found string "60" (line 5)`],
    ],
    [
      'approval.timeoutMinutes a fraction',
      dev('approval: { timeoutMinutes: 60.5 }\n'),
      [`${D}: approval.timeoutMinutes: must be a whole number of minutes (line 5)`],
    ],
    [
      'approval.timeoutMinutes below the minimum',
      dev('approval: { timeoutMinutes: 4 }\n'),
      [`${D}: approval.timeoutMinutes: must be at least 5 minutes (CodePipeline minimum) (line 5)`],
    ],
    [
      'approval.timeoutMinutes above the maximum',
      dev('approval: { timeoutMinutes: 86401 }\n'),
      [
        `${D}: approval.timeoutMinutes: must be at most 86400 minutes (60 days, the CodePipeline maximum) (line 5)`,
      ],
    ],
    [
      'protected not a boolean',
      dev('protected: "yes"\n'),
      [
        `${D}: protected: must be true or false (refuse this environment without required approval); found string "yes" (line 5)`,
      ],
    ],
    [
      'an unquoted yes is a string in YAML 1.2, not a boolean',
      dev('protected: yes\n'),
      [
        `${D}: protected: must be true or false (refuse this environment without required approval); found string "yes" (line 5)`,
      ],
    ],
    [
      'protected environment without approval',
      dev('protected: true\napproval: { required: false }\n'),
      [
        `${D}: approval.required: dev is a protected environment and must require approval (set approval.required: true) (line 6)`,
      ],
    ],
    [
      'unknown keys, each named with the keys allowed there',
      dev('approval:\n  require: true\n  notfy: []\n'),
      [
        `${D}: approval.require: unknown key (did you mean "required"?); allowed here: required, notify, timeoutMinutes (line 6)`,
        `${D}: approval.notfy: unknown key (did you mean "notify"?); allowed here: required, notify, timeoutMinutes (line 7)`,
      ],
    ],
    [
      'unknown key with nothing close',
      dev('owner: platform\n'),
      [
        `${D}: owner: unknown key; allowed here: environment, regions, teams, approval, protected, promotion, drift, notifications (line 5)`,
      ],
    ],
    [
      'a list instead of a mapping',
      { 'dev.yaml': '- dev\n- qa\n' },
      [`${D}: must be a YAML mapping of settings`],
    ],
    ['a single value', { 'dev.yaml': 'dev\n' }, [`${D}: must be a YAML mapping of settings`]],
    ['only a comment', { 'dev.yaml': '# nothing yet\n' }, [`${D}: must be a YAML mapping of settings`]],
    [
      'the same environment in dev.yaml and dev.yml',
      { 'dev.yml': DEV },
      [`pipelines/dev.yml: environment: "dev" is already defined in pipelines/dev.yaml (line 1)`],
    ],
  ])('%s', (_name, changes, expected) => {
    expect(problemsOf(changes)).toEqual(expected);
  });

  test.each([
    [
      'a duplicate key',
      dev('environment: dev\n'),
      [`${D}: YAML syntax error: Map keys must be unique (line 5)`],
    ],
    [
      'tab indentation',
      dev('approval:\n\trequired: true\n'),
      [`${D}: YAML syntax error: Tabs are not allowed as indentation (line 6)`],
    ],
    [
      'an unclosed quote',
      { 'dev.yaml': `${DEV}approval:\n  notify: ["ops@example.com]\n` },
      [
        `${D}: YAML syntax error: Missing closing "quote (line 7)`,
        `${D}: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (line 7)`,
      ],
    ],
    [
      'a nested mapping on one line',
      { 'dev.yaml': `environment: dev: qa\n${DEV.split('\n').slice(1).join('\n')}` },
      [`${D}: YAML syntax error: Nested mappings are not allowed in compact mappings (line 1)`],
    ],
  ])("YAML syntax error (%s): the parser's message and line", (_name, changes, expected) => {
    expect(problemsOf(changes)).toEqual(expected);
  });

  test.each([
    ['at the top level', dev('__proto__: {}\n'), `${D}: __proto__: ${reserved('__proto__')} (line 5)`],
    [
      'in a list',
      dev('approval:\n  notify:\n    - ops@example.com\n    - prototype: x\n'),
      `${D}: approval.notify[1].prototype: ${reserved('prototype')} (line 8)`,
    ],
    [
      'under a key that is not a plain value',
      dev('? [a, b]\n: { constructor: 1 }\n'),
      `${D}: constructor: ${reserved('constructor')} (line 6)`,
    ],
  ])('reserved key %s: named with its line', (_name, changes, expected) => {
    expect(problemsOf(changes)).toEqual([expected]);
  });

  test('a reserved key behind an alias is reported once, where its anchor is', () => {
    const text = `${DEV}x: &shared { constructor: 1 }\ny: *shared\n`;
    expect(problemsOf({ 'dev.yaml': text })).toEqual([
      `${D}: x.constructor: ${reserved('constructor')} (line 5)`,
    ]);
  });

  test('names are 1-31 lowercase letters, digits and "-", starting with a letter', () => {
    const valid = ['a', 'a-1', 'r2d2', `a${'b'.repeat(30)}`];
    const invalid = ['1a', '-a', 'a_b', 'aB', 'a.b', `a${'b'.repeat(31)}`];
    const teams = (names: string[]): string =>
      names.map((name, i) => `  "${name}": { account: "${String(100000000000 + i)}" }\n`).join('');
    const text = `environment: dev\nregions: [us-east-1]\nteams:\n${teams([...valid, ...invalid])}`;
    expect(problemsOf({ 'dev.yaml': text })).toEqual(
      invalid.map(
        (name, i) =>
          `${D}: teams.${name}: ${JSON.stringify(name)} is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter (line ${4 + valid.length + i})`,
      ),
    );
  });

  test('timeoutMinutes accepts the bounds 5 and 86400', () => {
    for (const minutes of [5, 86400]) {
      const model = modelWith(dev(`approval: { timeoutMinutes: ${minutes} }\n`));
      expect(model.environments.find((e) => e.environment === 'dev')?.approval.timeoutMinutes).toBe(minutes);
    }
  });

  test('an unprotected environment may skip approval', () => {
    const model = modelWith(dev('protected: false\napproval: { required: false }\n'));
    expect(model.environments.find((e) => e.environment === 'dev')).toMatchObject({
      protected: false,
      approval: { required: false },
    });
  });

  test('protected: true without protectedEnvironments makes an environment protected', () => {
    const model = modelWith(dev('protected: true\n'));
    expect(model.environments.find((e) => e.environment === 'dev')?.protected).toBe(true);
  });

  test('environments are sorted by name, whatever the file order', () => {
    const model = modelWith({ 'aa.yaml': DEV.replace('environment: dev', 'environment: aa') });
    expect(model.environments.map((e) => e.environment)).toEqual(['aa', 'dev', 'prod', 'qa', 'staging']);
  });

  test('a file with problems adds no environment, and its environment still counts as seen', () => {
    const problems = problemsOf({ 'dev.yml': `${DEV}protected: true\napproval: { required: false }\n` });
    expect(problems).toEqual([
      `pipelines/dev.yml: approval.required: dev is a protected environment and must require approval (set approval.required: true) (line 6)`,
      `pipelines/dev.yml: environment: "dev" is already defined in pipelines/dev.yaml (line 1)`,
    ]);
  });
});

function reserved(key: string): string {
  return `"${key}" is a reserved key (JavaScript object internals) and cannot be used as a name or setting; rename it`;
}

describe('factory.yaml', () => {
  const VERSION_HELP = 'use MAJOR.MINOR.PATCH such as "1.9.8" (no ranges, "v", "latest" or pre-releases)';
  const BRANCH = (name: string): string =>
    `${F}: mainBranch: ${JSON.stringify(name)} is not a valid git branch name (line 9)`;
  test.each<[string, Record<string, string | null>, string[]]>([
    [
      'repository missing',
      factoryWith('repository: infra\n', ''),
      [`${F}: repository: is required (a CodeCommit repository name) (line 1)`],
    ],
    [
      'repository with a space',
      factoryWith('repository: infra', 'repository: my infra'),
      [
        `${F}: repository: "my infra" is not a CodeCommit repository name (1-100 letters, digits, ".", "_", "-") (line 1)`,
      ],
    ],
    [
      'repository of 101 characters',
      factoryWith('repository: infra', `repository: ${'r'.repeat(101)}`),
      [
        `${F}: repository: "${'r'.repeat(101)}" is not a CodeCommit repository name (1-100 letters, digits, ".", "_", "-") (line 1)`,
      ],
    ],
    [
      'importExisting not a boolean',
      factory('importExisting: "yes"\n'),
      [
        `${F}: importExisting: must be true or false (import the repository instead of creating it); found string "yes" (line 9)`,
      ],
    ],
    ['branch starting with "-"', factory('mainBranch: -main\n'), [BRANCH('-main')]],
    ['branch with ".."', factory('mainBranch: a..b\n'), [BRANCH('a..b')]],
    ['branch with "//"', factory('mainBranch: a//b\n'), [BRANCH('a//b')]],
    ['branch starting with "/"', factory('mainBranch: /main\n'), [BRANCH('/main')]],
    ['branch ending with "/"', factory('mainBranch: main/\n'), [BRANCH('main/')]],
    ['branch ending with ".lock"', factory('mainBranch: main.lock\n'), [BRANCH('main.lock')]],
    ['branch with a space', factory('mainBranch: "my branch"\n'), [BRANCH('my branch')]],
    ['branch of 101 characters', factory(`mainBranch: ${'b'.repeat(101)}\n`), [BRANCH('b'.repeat(101))]],
    [
      'branch a number',
      factory('mainBranch: 7\n'),
      [`${F}: mainBranch: must be a git branch name; found the unquoted number 7 (line 9)`],
    ],
    ...['-acme', 'acme-', 'acme.tfstate', 'Acme'].map(
      (prefix): [string, Record<string, string>, string[]] => [
        `state bucket prefix ${prefix}`,
        factoryWith('acme-tfstate', prefix),
        [
          `${F}: stateBucketPrefix: ${JSON.stringify(prefix)} cannot start an S3 bucket name: use lowercase letters, digits and "-", starting and ending with a letter or digit (no dots) (line 2)`,
        ],
      ],
    ),
    ...['xn--acme', 'sthree-acme'].map((prefix): [string, Record<string, string>, string[]] => [
      `state bucket prefix ${prefix}`,
      factoryWith('acme-tfstate', prefix),
      [`${F}: stateBucketPrefix: must not start with "xn--" or "sthree-" (reserved by S3) (line 2)`],
    ]),
    [
      'state bucket prefix missing',
      factoryWith('stateBucketPrefix: acme-tfstate\n', ''),
      [`${F}: stateBucketPrefix: is required (a lowercase S3 bucket name prefix) (line 1)`],
    ],
    [
      'state bucket name of 64 characters',
      factoryWith('acme-tfstate', 'a'.repeat(56)),
      [
        `${F}: stateBucketPrefix: state bucket "${'a'.repeat(56)}-staging" for environment staging would be 64 characters; S3 allows at most 63 (shorten the prefix) (line 2)`,
      ],
    ],
    [
      'state bucket with the suffix S3 reserves',
      { ...factory(), 's3alias.yaml': DEV.replace('environment: dev', 'environment: s3alias') },
      [
        `${F}: stateBucketPrefix: state bucket "acme-tfstate-s3alias" ends with the reserved suffix "-s3alias" (line 2)`,
      ],
    ],
    [
      'globalRegion missing',
      factoryWith('globalRegion: us-east-1\n', ''),
      [`${F}: globalRegion: must be an AWS region code such as "eu-central-1"; found nothing (line 1)`],
    ],
    [
      'globalRegion misspelled',
      factoryWith('globalRegion: us-east-1', 'globalRegion: us-eats-1'),
      [`${F}: globalRegion: "us-eats-1" is not an AWS region (did you mean "us-east-1"?) (line 3)`],
    ],
    [
      'unknown engine',
      factory('  engine: tofu\n'),
      [`${F}: tools.engine: must be "terraform" or "opentofu"; found string "tofu" (line 9)`],
    ],
    [
      'tool version missing',
      factoryWith('  tfsec: 1.28.13\n', ''),
      [`${F}: tools.tfsec: is required (an exact version such as "1.9.8") (line 5)`],
    ],
    [
      'tool version read as a number',
      factoryWith('tflint: 0.64.0', 'tflint: 0.64'),
      [
        `${F}: tools.tflint: must be an exact version such as "1.9.8" written as a string; found the unquoted number 0.64 (YAML reads 0.64 as a number: quote the version) (line 6)`,
      ],
    ],
    [
      'tool version a boolean',
      factoryWith('tfsec: 1.28.13', 'tfsec: true'),
      [
        `${F}: tools.tfsec: must be an exact version such as "1.9.8" written as a string; found boolean true (line 7)`,
      ],
    ],
    ...['v1.12.2', '1.12', '1.12.2-rc1', '01.12.2', '1.012.2', '1.12.02', '~1.12.2', '1.12.2.1'].map(
      (version): [string, Record<string, string>, string[]] => [
        `tool version ${version}`,
        factoryWith('terraform: 1.12.2', `terraform: "${version}"`),
        [`${F}: tools.terraform: "${version}" is not an exact version: ${VERSION_HELP} (line 5)`],
      ],
    ),
    [
      'unknown tools key',
      factory('  terragrunt: 0.1.0\n'),
      [
        `${F}: tools.terragrunt: unknown key; allowed here: engine, terraform, opentofu, tflint, tfsec, checkov (line 9)`,
      ],
    ],
    [
      'OpenTofu without its version',
      factory('  engine: opentofu\n'),
      [
        `${F}: tools.opentofu: is required when tools.engine is "opentofu" (an exact version such as "1.10.6") (line 5)`,
      ],
    ],
    [
      'OpenTofu without S3 lockfiles',
      factory('  engine: opentofu\n  opentofu: 1.9.9\n'),
      [
        `${F}: tools.opentofu: opentofu 1.9.9 has no S3 lockfile: locking "s3-lockfile" needs opentofu >= 1.10.0 (or set locking: dynamodb) (line 10)`,
      ],
    ],
    [
      'Terraform without S3 lockfiles',
      factoryWith('terraform: 1.12.2', 'terraform: 1.10.9'),
      [
        `${F}: tools.terraform: terraform 1.10.9 has no S3 lockfile: locking "s3-lockfile" needs terraform >= 1.11.0 (or set locking: dynamodb) (line 5)`,
      ],
    ],
    [
      'unknown locking mode',
      factory('locking: consul\n'),
      [`${F}: locking: must be "s3-lockfile" or "dynamodb"; found string "consul" (line 9)`],
    ],
    [
      'unknown compute kind',
      factory('compute: { plan: fargate }\n'),
      [`${F}: compute.plan: must be "lambda" or "ec2"; found string "fargate" (line 9)`],
    ],
    [
      'unknown compute key',
      factory('compute: { scan: ec2 }\n'),
      [
        `${F}: compute.scan: unknown key (did you mean "plan"?); allowed here: scanners, plan, apply (line 9)`,
      ],
    ],
    [
      'protected environment with an invalid name',
      factory('protectedEnvironments: [prod, Live]\n'),
      [
        `${F}: protectedEnvironments[1]: "Live" is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter (line 9)`,
      ],
    ],
    [
      'pipeline name prefix with capitals',
      factory('pipelineNamePrefix: TFPF\n'),
      [
        `${F}: pipelineNamePrefix: "TFPF" is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter (line 9)`,
      ],
    ],
    [
      'unknown key with a suggestion',
      factory('mainbranch: main\n'),
      [
        `${F}: mainbranch: unknown key (did you mean "mainBranch"?); allowed here: repository, importExisting, mainBranch, stateBucketPrefix, globalRegion, tools, locking, layout, scanners, compute, protectedEnvironments, pipelineNamePrefix (line 9)`,
      ],
    ],
    [
      'factory.yml instead of factory.yaml',
      { 'factory.yaml': null, 'factory.yml': FACTORY },
      [
        'pipelines/factory.yml: rename to factory.yaml',
        'pipelines/factory.yaml: missing: every configuration folder needs factory.yaml (repository, stateBucketPrefix, globalRegion, tools)',
      ],
    ],
    [
      'factory.yml next to factory.yaml (not an environment)',
      { ...factory(), 'factory.yml': 'anything: 1\n' },
      ['pipelines/factory.yml: rename to factory.yaml'],
    ],
  ])('%s', (_name, changes, expected) => {
    expect(problemsOf(changes)).toEqual(expected);
  });

  test('tools missing is refused', () => {
    const problems = problemsOf({ 'factory.yaml': FACTORY.split('tools:')[0] as string });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^pipelines\/factory\.yaml: tools: .* \(line 1\)$/);
  });

  test('when factory.yaml is invalid, prod still counts as protected', () => {
    const prod = 'environment: prod\nregions: [us-east-1]\nteams:\n  risk: { account: "222222222222" }\n';
    const problems = problemsOf({
      ...factory('locking: consul\n'),
      'prod.yaml': `${prod}protected: false\napproval: { required: false }\n`,
    });
    expect(problems).toEqual([
      `${F}: locking: must be "s3-lockfile" or "dynamodb"; found string "consul" (line 9)`,
      'pipelines/prod.yaml: protected: "prod" is listed in factory.yaml protectedEnvironments; protected: false conflicts with it (remove one of them) (line 5)',
    ]);
  });

  test('protectedEnvironments replaces the default list', () => {
    const model = modelWith(factory('protectedEnvironments: [qa]\n'));
    expect(model.environments.map((e) => [e.environment, e.protected])).toEqual([
      ['dev', false],
      ['prod', false],
      ['qa', true],
      ['staging', false],
    ]);
  });

  test('accepted at the limits: 63-character buckets, 100-character names, first lockfile versions', () => {
    const model = modelWith({
      'factory.yaml': FACTORY.replace('acme-tfstate', 'a'.repeat(55))
        .replace('repository: infra', `repository: ${'r'.repeat(100)}`)
        .replace('terraform: 1.12.2', 'terraform: 1.11.0'),
    });
    expect(model.factory.stateBucketPrefix).toHaveLength(55);
    const tofu = modelWith(factory('  engine: opentofu\n  opentofu: 1.10.0\nmainBranch: release/2.x_y-z\n'));
    expect(tofu.factory.tools).toMatchObject({ engine: 'opentofu', opentofu: '1.10.0' });
    expect(tofu.factory.mainBranch).toBe('release/2.x_y-z');
    const dynamo = modelWith({
      'factory.yaml': `${FACTORY.replace('terraform: 1.12.2', 'terraform: 1.5.7')}locking: dynamodb\n`,
    });
    expect(dynamo.factory).toMatchObject({ locking: 'dynamodb', tools: { terraform: '1.5.7' } });
  });

  test('every default, resolved from the contract keys alone', () => {
    expect(modelWith(factory()).factory).toEqual({
      repository: 'infra',
      importExisting: false,
      mainBranch: 'main',
      stateBucketPrefix: 'acme-tfstate',
      globalRegion: 'us-east-1',
      tools: {
        engine: 'terraform',
        terraform: '1.12.2',
        tflint: '0.64.0',
        tfsec: '1.28.13',
        checkov: '3.3.30',
      },
      locking: 's3-lockfile',
      layout: {
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
      },
      scanners: {
        failOn: 'LOW',
        repoConfig: 'report',
        skip: { checkov: [], tfsec: [], tflint: [] },
        tflintPlugins: [],
      },
      compute: {},
      protectedEnvironments: ['prod'],
      pipelineNamePrefix: 'tfpf',
    });
  });
});
