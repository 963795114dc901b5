import { RELEASE_FIELDS, SEVERITIES } from '../../src/config';
import { configProblems, modelWith } from '../support/config-files';

// factory.yaml `layout:` and `scanners:`: the whole problem line for each invalid value, and what is accepted at
// the edges of each rule.

/** A valid factory.yaml of 8 lines; `extra` starts at line 9. */
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
const F = 'pipelines/factory.yaml';

function problemsOf(extra: string): string[] {
  return configProblems(() => modelWith({ 'factory.yaml': FACTORY + extra }));
}

const factoryWith = (extra: string): ReturnType<typeof modelWith>['factory'] =>
  modelWith({ 'factory.yaml': FACTORY + extra }).factory;

/** `layout:` with one setting on line 10. */
const layout = (setting: string): string => `layout:\n  ${setting}\n`;
const ROOT_HELP = 'a folder relative to the repository root, or "."';
const PATH_CHARS = '(letters, digits, "_", ".", "-" and "/")';
const VAR_FILE_CHARS = '(letters, digits, "_", ".", "-" and "/", placeholders such as {env})';
const PLACEHOLDERS = 'allowed: {env}, {team}, {scope}, {region}';

describe('layout', () => {
  test.each<[string, string, string[]]>([
    ['empty folder', layout('regional: ""'), [`${F}: layout.regional: must not be empty (line 10)`]],
    [
      'folder a number',
      layout('regional: 5'),
      [`${F}: layout.regional: must be ${ROOT_HELP}; found the unquoted number 5 (line 10)`],
    ],
    [
      'folder missing its value',
      layout('global:'),
      [`${F}: layout.global: must be ${ROOT_HELP}; found null (line 10)`],
    ],
    [
      'absolute folder',
      layout('regional: /infra'),
      [`${F}: layout.regional: "/infra" is absolute: use a path relative to the repository root (line 10)`],
    ],
    [
      'Windows drive',
      layout('regional: C:/infra'),
      [`${F}: layout.regional: "C:/infra" is absolute: use a path relative to the repository root (line 10)`],
    ],
    [
      'backslash',
      layout("regional: 'infra\\regional'"),
      [`${F}: layout.regional: "infra\\\\regional": separate folders with "/" (line 10)`],
    ],
    [
      '".." inside',
      layout('global: infra/../../x'),
      [`${F}: layout.global: "infra/../../x" escapes the repository (".." is not allowed) (line 10)`],
    ],
    ...['./infra', 'infra//regional', 'infra/', 'infra/./regional'].map(
      (folder): [string, string, string[]] => [
        `folder ${folder}`,
        layout(`regional: ${folder}`),
        [`${F}: layout.regional: "${folder}": write the path without "./", "//" or a trailing "/" (line 10)`],
      ],
    ),
    ...['infra regional', 'infra*', 'infra/{env}', 'infra:x'].map((folder): [string, string, string[]] => [
      `folder ${folder}`,
      layout(`regional: "${folder}"`),
      [
        `${F}: layout.regional: "${folder}" is not a relative path inside the repository ${PATH_CHARS} (line 10)`,
      ],
    ]),
    [
      'vars not a string',
      layout('vars: 5'),
      [`${F}: layout.vars: must be a relative folder path; found the unquoted number 5 (line 10)`],
    ],
    [
      'vars at the root',
      layout('vars: .'),
      [`${F}: layout.vars: ".": name a folder (the root "." is not allowed here) (line 10)`],
    ],
    [
      'vars with a placeholder',
      layout('vars: "vars/{env}"'),
      [
        `${F}: layout.vars: "vars/{env}" is not a relative path inside the repository ${PATH_CHARS} (line 10)`,
      ],
    ],
    [
      'var files not a list',
      layout('varFiles: a.tfvars'),
      [`${F}: layout.varFiles: must be a list of var file paths; found string "a.tfvars" (line 10)`],
    ],
    [
      'var file with a space',
      layout('varFiles: ["a b.tfvars"]'),
      [
        `${F}: layout.varFiles[0]: "a b.tfvars" is not a relative path inside the repository ${VAR_FILE_CHARS} (line 10)`,
      ],
    ],
    [
      'misspelled placeholder',
      layout('varFiles: ["{regon}/a.tfvars"]'),
      [
        `${F}: layout.varFiles[0]: unknown placeholder {regon} in "{regon}/a.tfvars" (did you mean "region"?); ${PLACEHOLDERS} (line 10)`,
      ],
    ],
    [
      'empty placeholder',
      layout('varFiles: ["{}/a.tfvars"]'),
      [`${F}: layout.varFiles[0]: unknown placeholder {} in "{}/a.tfvars"; ${PLACEHOLDERS} (line 10)`],
    ],
    [
      'unmatched "}"',
      layout('varFiles: ["{env}}/a.tfvars"]'),
      [`${F}: layout.varFiles[0]: "{env}}/a.tfvars" has an unmatched "{" or "}" (line 10)`],
    ],
    [
      'a var file that is not a string',
      layout('varFiles: [5]'),
      [
        `${F}: layout.varFiles[0]: must be a var file path relative to the repository root; found the unquoted number 5 (line 10)`,
      ],
    ],
    [
      'the root as a var file',
      layout('varFiles: ["."]'),
      [
        `${F}: layout.varFiles[0]: ".": name a folder (the root "." is not allowed here) (line 10)`,
        `${F}: layout.varFiles[0]: "." must end with .tfvars or .tfvars.json (line 10)`,
      ],
    ],
    [
      'var file of another type',
      layout('varFiles: [a.tfvars.yaml]'),
      [`${F}: layout.varFiles[0]: "a.tfvars.yaml" must end with .tfvars or .tfvars.json (line 10)`],
    ],
    [
      'var file listed twice',
      layout('varFiles: [a.tfvars, b.tfvars, a.tfvars]'),
      [`${F}: layout.varFiles[2]: "a.tfvars" is listed twice (also varFiles[0]) (line 10)`],
    ],
    [
      'target a number',
      layout('targets: { regional: 5 }'),
      [
        `${F}: layout.targets.regional: must be a Terraform address such as module.regional; found the unquoted number 5 (line 10)`,
      ],
    ],
    ...['module.', 'aws_vpc', 'module.a.b', 'module.a[x]', '1module.a', 'module.a.aws_vpc'].map(
      (target): [string, string, string[]] => [
        `target ${target}`,
        layout(`targets: { global: "${target}" }`),
        [
          `${F}: layout.targets.global: "${target}" is not a Terraform module or resource address (such as module.regional, module.app["eu"], aws_vpc.main) (line 10)`,
        ],
      ],
    ),
    [
      'target of 201 characters',
      layout(`targets: { regional: module.${'a'.repeat(194)} }`),
      [
        `${F}: layout.targets.regional: "module.${'a'.repeat(194)}" is not a Terraform module or resource address (such as module.regional, module.app["eu"], aws_vpc.main) (line 10)`,
      ],
    ],
    [
      'variables not a mapping',
      layout('variables: [region]'),
      [
        `${F}: layout.variables: must be a mapping of Terraform variable name to release field; found a list (line 10)`,
      ],
    ],
    [
      'variable of no field',
      layout('variables: { region: 5 }'),
      [
        `${F}: layout.variables.region: must be a release field (${RELEASE_FIELDS.join(', ')}); found the unquoted number 5 (line 10)`,
      ],
    ],
    [
      'variable of a misspelled field',
      layout('variables: { tags: tags }'),
      [
        `${F}: layout.variables.tags: "tags" is not a release field (did you mean "tag"?); allowed: ${RELEASE_FIELDS.join(', ')} (line 10)`,
      ],
    ],
    [
      'variable name of 65 characters',
      layout(`variables: { ${'v'.repeat(65)}: tag }`),
      [
        `${F}: layout.variables.${'v'.repeat(65)}: "${'v'.repeat(65)}" is not a Terraform variable name (line 10)`,
      ],
    ],
    [
      'variable name with a dot',
      layout('variables: { "a.b": tag }'),
      [`${F}: layout.variables.a.b: "a.b" is not a Terraform variable name (line 10)`],
    ],
    [
      'unknown layout key',
      layout('region: .'),
      [
        `${F}: layout.region: unknown key (did you mean "regional"?); allowed here: regional, global, vars, targets, varFiles, variables (line 10)`,
      ],
    ],
  ])('%s', (_name, extra, expected) => {
    expect(problemsOf(extra)).toEqual(expected);
  });

  test.each(['source', 'version', 'providers', 'count', 'for_each', 'lifecycle', 'depends_on', 'locals'])(
    'variable name %s is reserved by Terraform',
    (name) => {
      expect(problemsOf(layout(`variables: { ${name}: tag }`))).toEqual([
        `${F}: layout.variables.${name}: "${name}" is reserved by Terraform and cannot name a variable (line 10)`,
      ]);
    },
  );

  test('accepted: ".", nested folders, every placeholder, .tfvars.json, 200-character targets, every field', () => {
    const variables = Object.fromEntries(
      RELEASE_FIELDS.map((field, i) => [`v${i}_${'x'.repeat(i === 0 ? 61 : 1)}`, field]),
    );
    const settled = factoryWith(
      [
        'layout:',
        '  regional: .',
        '  global: infra/global_2.x',
        '  varFiles: ["{env}/{team}/{scope}/{region}.tfvars.json", "{env}{team}.tfvars", _common.tfvars]',
        `  targets: { regional: module.${'a'.repeat(193)}, global: 'module.app["eu-1"].data.aws_region.this[0]' }`,
        `  variables: ${JSON.stringify(variables)}`,
        '',
      ].join('\n'),
    ).layout;
    expect(settled).toEqual({
      regional: '.',
      global: 'infra/global_2.x',
      vars: 'vars',
      varFiles: ['{env}/{team}/{scope}/{region}.tfvars.json', '{env}{team}.tfvars', '_common.tfvars'],
      targets: {
        regional: `module.${'a'.repeat(193)}`,
        global: 'module.app["eu-1"].data.aws_region.this[0]',
      },
      variables,
    });
    expect(Object.keys(variables)[0]).toHaveLength(64);
    expect(factoryWith(layout('vars: config/tf-vars_2.x')).layout.vars).toBe('config/tf-vars_2.x');
  });
});

/** `scanners:` with `lines` from line 10, each indented by two spaces. */
const scanners = (...lines: string[]): string => `scanners:\n${lines.map((l) => `  ${l}\n`).join('')}`;
const skip = (tool: string, entry: string): string => scanners('skip:', `  ${tool}:`, `    - ${entry}`);
const AWS_PLUGIN = 'source: github.com/terraform-linters/tflint-ruleset-aws';

describe('scanners', () => {
  test.each<[string, string, string[]]>([
    [
      'failOn in lower case',
      scanners('failOn: low'),
      [`${F}: scanners.failOn: must be one of LOW, MEDIUM, HIGH, CRITICAL; found string "low" (line 10)`],
    ],
    [
      'unknown repoConfig mode',
      scanners('repoConfig: honour'),
      [`${F}: scanners.repoConfig: must be "report" or "ignore"; found string "honour" (line 10)`],
    ],
    [
      'skip list not a list',
      scanners('skip:', '  checkov: CKV_AWS_1'),
      [`${F}: scanners.skip.checkov: must be a list of { id, reason }; found string "CKV_AWS_1" (line 11)`],
    ],
    [
      'skip without an ID',
      skip('tfsec', '{ reason: x }'),
      [
        `${F}: scanners.skip.tfsec[0].id: is required (a tfsec check ID such as aws-s3-enable-bucket-logging) (line 12)`,
      ],
    ],
    [
      'skip ID a number',
      skip('tflint', '{ id: 5, reason: x }'),
      [
        `${F}: scanners.skip.tflint[0].id: must be a tflint check ID such as terraform_unused_declarations; found the unquoted number 5 (line 12)`,
      ],
    ],
    [
      'wildcard',
      skip('tfsec', '{ id: "aws-*", reason: x }'),
      [
        `${F}: scanners.skip.tfsec[0].id: "aws-*": wildcards are not allowed; name each skipped check with its own reason (line 12)`,
      ],
    ],
    ...(
      [
        ['checkov', 'CKV', 'CKV_AWS_144'],
        ['checkov', 'ckv_aws_1', 'CKV_AWS_144'],
        ['checkov', 'CKV_aws', 'CKV_AWS_144'],
        ['checkov', '1CKV_AWS', 'CKV_AWS_144'],
        ['checkov', 'CKV_AWS_1-x', 'CKV_AWS_144'],
        ['tfsec', 'aws-s3-x.y', 'aws-s3-enable-bucket-logging'],
        ['tfsec', 'AVD-AWS-0001x', 'aws-s3-enable-bucket-logging'],
        ['tfsec', 'AWS001x', 'aws-s3-enable-bucket-logging'],
        ['tfsec', 'aws', 'aws-s3-enable-bucket-logging'],
        ['tfsec', 'aws-S3', 'aws-s3-enable-bucket-logging'],
        ['tfsec', 'AVD-AWS', 'aws-s3-enable-bucket-logging'],
        ['tfsec', 'AVD-AWS-x1', 'aws-s3-enable-bucket-logging'],
        ['tfsec', 'aws002', 'aws-s3-enable-bucket-logging'],
        ['tflint', 'terraform', 'terraform_unused_declarations'],
        ['tflint', 'Terraform_x', 'terraform_unused_declarations'],
        ['tflint', 'terraform_', 'terraform_unused_declarations'],
        ['tflint', 'terraform_x-y', 'terraform_unused_declarations'],
      ] as const
    ).map(([tool, id, example]): [string, string, string[]] => [
      `${tool} ID ${id}`,
      skip(tool, `{ id: ${id}, reason: x }`),
      [`${F}: scanners.skip.${tool}[0].id: "${id}" is not a ${tool} check ID (such as ${example}) (line 12)`],
    ]),
    [
      'skip without a reason',
      skip('checkov', '{ id: CKV_AWS_1 }'),
      [`${F}: scanners.skip.checkov[0].reason: is required (why the check is skipped) (line 12)`],
    ],
    [
      'reason a number',
      skip('checkov', '{ id: CKV_AWS_1, reason: 5 }'),
      [
        `${F}: scanners.skip.checkov[0].reason: must be why the check is skipped; found the unquoted number 5 (line 12)`,
      ],
    ],
    ...['"a\\tb"', '"a\\u007fb"', '"a\\u0000b"', `"${'r'.repeat(301)}"`].map(
      (reason): [string, string, string[]] => [
        `reason ${reason.slice(0, 12)}`,
        skip('checkov', `{ id: CKV_AWS_1, reason: ${reason} }`),
        [`${F}: scanners.skip.checkov[0].reason: must be one line of at most 300 characters (line 12)`],
      ],
    ),
    [
      'same check twice',
      scanners(
        'skip:',
        '  checkov:',
        '    - { id: CKV_AWS_1, reason: a }',
        '    - { id: CKV_AWS_2, reason: b }',
        '    - { id: CKV_AWS_1, reason: c }',
      ),
      [`${F}: scanners.skip.checkov[2].id: "CKV_AWS_1" is listed twice (also checkov[0]) (line 14)`],
    ],
    [
      'unknown key in a skip',
      skip('checkov', '{ id: CKV_AWS_1, reason: a, why: b }'),
      [`${F}: scanners.skip.checkov[0].why: unknown key; allowed here: id, reason (line 12)`],
    ],
    [
      'plugins not a list',
      scanners('tflintPlugins: aws'),
      [
        `${F}: scanners.tflintPlugins: must be a list of { name, version, source }; found string "aws" (line 10)`,
      ],
    ],
    [
      'plugin without a name',
      scanners(`tflintPlugins: [{ version: 0.40.0, ${AWS_PLUGIN} }]`),
      [`${F}: scanners.tflintPlugins[0].name: is required (a tflint plugin name such as aws) (line 10)`],
    ],
    [
      'plugin name in capitals',
      scanners(`tflintPlugins: [{ name: AWS, version: 0.40.0, ${AWS_PLUGIN} }]`),
      [
        `${F}: scanners.tflintPlugins[0].name: "AWS" is not a tflint plugin name (lowercase letters, digits, "-") (line 10)`,
        `${F}: scanners.tflintPlugins[0].source: "github.com/terraform-linters/tflint-ruleset-aws" does not match the name "AWS": tflint needs the repository tflint-ruleset-AWS (line 10)`,
      ],
    ],
    [
      'plugin without a source',
      scanners('tflintPlugins: [{ name: aws, version: 0.40.0 }]'),
      [
        `${F}: scanners.tflintPlugins[0].source: is required (github.com/<owner>/tflint-ruleset-<name>) (line 10)`,
      ],
    ],
    [
      'plugin source not a ruleset',
      scanners('tflintPlugins: [{ name: aws, version: 0.40.0, source: github.com/x/aws }]'),
      [
        `${F}: scanners.tflintPlugins[0].source: "github.com/x/aws" is not a tflint plugin source: use github.com/<owner>/tflint-ruleset-<name> (line 10)`,
        `${F}: scanners.tflintPlugins[0].source: "github.com/x/aws" does not match the name "aws": tflint needs the repository tflint-ruleset-aws (line 10)`,
      ],
    ],
    [
      'plugin source of another name',
      scanners('tflintPlugins: [{ name: aws, version: 0.40.0, source: github.com/x/tflint-ruleset-awsx }]'),
      [
        `${F}: scanners.tflintPlugins[0].source: "github.com/x/tflint-ruleset-awsx" does not match the name "aws": tflint needs the repository tflint-ruleset-aws (line 10)`,
      ],
    ],
    [
      'plugin listed twice',
      scanners(
        'tflintPlugins:',
        `  - { name: aws, version: 0.40.0, ${AWS_PLUGIN} }`,
        `  - { name: google, version: 0.30.0, source: github.com/x/tflint-ruleset-google }`,
        `  - { name: aws, version: 0.41.0, ${AWS_PLUGIN} }`,
      ),
      [`${F}: scanners.tflintPlugins[2].name: "aws" is listed twice (also tflintPlugins[0]) (line 13)`],
    ],
    [
      'unknown plugin key',
      scanners(`tflintPlugins: [{ name: aws, version: 0.40.0, ${AWS_PLUGIN}, url: x }]`),
      [`${F}: scanners.tflintPlugins[0].url: unknown key; allowed here: name, version, source (line 10)`],
    ],
    [
      'unknown scanners key',
      scanners('failon: LOW'),
      [
        `${F}: scanners.failon: unknown key (did you mean "failOn"?); allowed here: failOn, repoConfig, skip, tflintPlugins (line 10)`,
      ],
    ],
  ])('%s', (_name, extra, expected) => {
    expect(problemsOf(extra)).toEqual(expected);
  });

  test.each(SEVERITIES)('failOn %s is accepted', (severity) => {
    expect(factoryWith(scanners(`failOn: ${severity}`)).scanners.failOn).toBe(severity);
  });

  test('accepted: each ID form, a 300-character reason, non-ASCII text, plugin names with digits and "-"', () => {
    const reason = 'r'.repeat(300);
    const { scanners: settled } = factoryWith(
      scanners(
        'skip:',
        '  checkov:',
        `    - { id: CKV_AWS_144, reason: ${reason} }`,
        '    - { id: CKV2_AWS_6, reason: "Überprüft – by design" }',
        '  tfsec:',
        '    - { id: aws-s3-enable-bucket-logging, reason: a }',
        '    - { id: AVD-AWS-0086, reason: b }',
        '    - { id: AWS002, reason: c }',
        '  tflint:',
        '    - { id: aws_instance_invalid_type, reason: d }',
        'tflintPlugins:',
        '  - { name: opa-2, version: 0.9.0, source: github.com/terraform-linters/tflint-ruleset-opa-2 }',
      ),
    );
    expect(settled.skip).toEqual({
      checkov: [
        { id: 'CKV_AWS_144', reason },
        { id: 'CKV2_AWS_6', reason: 'Überprüft – by design' },
      ],
      tfsec: [
        { id: 'aws-s3-enable-bucket-logging', reason: 'a' },
        { id: 'AVD-AWS-0086', reason: 'b' },
        { id: 'AWS002', reason: 'c' },
      ],
      tflint: [{ id: 'aws_instance_invalid_type', reason: 'd' }],
    });
    expect(settled.tflintPlugins).toEqual([
      { name: 'opa-2', version: '0.9.0', source: 'github.com/terraform-linters/tflint-ruleset-opa-2' },
    ]);
  });
});
