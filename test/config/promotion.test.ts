import { configProblems, modelWith, shippedConfigFiles } from '../support/config-files';

const shipped = shippedConfigFiles();
const staging = shipped.get('staging.yaml') as string;
const qa = shipped.get('qa.yaml') as string;
const prod = shipped.get('prod.yaml') as string;

/** The problem lines of a rejected configuration, each with its line. */
function problemsOf(changes: Record<string, string | null>): string[] {
  return configProblems(() => modelWith(changes));
}

describe('promotion.from', () => {
  test('GIVEN the shipped config THEN prod promotes from staging and no other environment promotes', () => {
    const model = modelWith();
    const promotions = Object.fromEntries(model.environments.map((e) => [e.environment, e.promotion?.from]));
    expect(promotions).toEqual({ dev: undefined, qa: undefined, staging: undefined, prod: 'staging' });
  });

  test('GIVEN a chain dev → qa → staging → prod THEN it is valid', () => {
    const model = modelWith({
      'qa.yaml': `${qa}promotion: { from: dev }\n`,
      'staging.yaml': `${staging}promotion: { from: qa }\n`,
    });
    expect(model.environments.find((e) => e.environment === 'staging')?.promotion).toEqual({ from: 'qa' });
  });

  test('the known names are listed in name order, whatever the order of the files', () => {
    const alpha =
      'environment: alpha\nregions: [us-east-1]\nteams:\n  research: { account: "111111111111" }\n';
    expect(
      problemsOf({ 'alpha.yaml': alpha, 'prod.yaml': prod.replace('from: staging', 'from: beta') }),
    ).toEqual([
      'pipelines/prod.yaml: promotion.from: "beta" is not a configured environment; environments: alpha, dev, prod, qa, staging (line 11)',
    ]);
  });

  test('an unknown source environment is refused with a suggestion and the known names', () => {
    expect(problemsOf({ 'prod.yaml': prod.replace('from: staging', 'from: stagin') })).toEqual([
      'pipelines/prod.yaml: promotion.from: "stagin" is not a configured environment (did you mean "staging"?); environments: dev, prod, qa, staging (line 11)',
    ]);
  });

  test('the environment itself is refused', () => {
    expect(problemsOf({ 'prod.yaml': prod.replace('from: staging', 'from: prod') })).toEqual([
      'pipelines/prod.yaml: promotion.from: "prod" is this environment itself: promote from another environment (line 11)',
    ]);
  });

  test('a circular chain is refused in every file of the cycle', () => {
    expect(problemsOf({ 'staging.yaml': `${staging}promotion: { from: prod }\n` })).toEqual([
      'pipelines/prod.yaml: promotion.from: the promotion chain is circular (prod → staging → prod): one environment of it must release without promotion (line 11)',
      'pipelines/staging.yaml: promotion.from: the promotion chain is circular (staging → prod → staging): one environment of it must release without promotion (line 10)',
    ]);
  });

  test('a chain into a cycle elsewhere is refused only in the files of the cycle', () => {
    const problems = problemsOf({
      'dev.yaml': `${shipped.get('dev.yaml') as string}promotion: { from: qa }\n`,
      'qa.yaml': `${qa}promotion: { from: staging }\n`,
      'staging.yaml': `${staging}promotion: { from: qa }\n`,
    });
    expect(problems.map((p) => p.replace(/: one environment.*/, ''))).toEqual([
      'pipelines/qa.yaml: promotion.from: the promotion chain is circular (qa → staging → qa)',
      'pipelines/staging.yaml: promotion.from: the promotion chain is circular (staging → qa → staging)',
    ]);
  });

  test('a chain through an unknown environment is refused at that link only', () => {
    expect(problemsOf({ 'staging.yaml': `${staging}promotion: { from: nope }\n` })).toEqual([
      'pipelines/staging.yaml: promotion.from: "nope" is not a configured environment; environments: dev, prod, qa, staging (line 10)',
    ]);
  });

  test('a region the source lacks is refused at the region', () => {
    const changes = {
      'staging.yaml': staging.replace(
        'regions: [us-east-1, eu-central-1, ap-southeast-1]',
        'regions: [us-east-1, eu-central-1]',
      ),
    };
    expect(problemsOf(changes)).toEqual([
      'pipelines/prod.yaml: regions[2]: "ap-southeast-1" is not a region of staging (pipelines/staging.yaml), which promotion.from names: no ap-southeast-1 release could ever be promoted (add it to staging or remove it here) (line 3)',
    ]);
  });

  test('a team the source lacks is refused at the team', () => {
    const changes = { 'staging.yaml': staging.replace(/ {2}risk: .*\n/, '') };
    expect(problemsOf(changes)).toEqual([
      'pipelines/prod.yaml: teams.risk: team "risk" is not in staging (pipelines/staging.yaml), which promotion.from names: no release of risk could ever be promoted (add the team to staging or remove it here) (line 6)',
    ]);
  });

  test('the source may have more regions and teams than the target', () => {
    const model = modelWith({
      'prod.yaml': prod.replace(
        'regions: [us-east-1, eu-central-1, ap-southeast-1]',
        'regions: [eu-central-1]',
      ),
    });
    expect(model.environments.find((e) => e.environment === 'prod')?.regions).toEqual(['eu-central-1']);
  });

  test('unknown keys under promotion are refused', () => {
    expect(problemsOf({ 'prod.yaml': prod.replace('from: staging', 'from: staging\n  form: qa') })).toEqual([
      'pipelines/prod.yaml: promotion.form: unknown key (did you mean "from"?); allowed here: from (line 12)',
    ]);
  });

  test('a source that is not a name is refused by the schema', () => {
    expect(problemsOf({ 'prod.yaml': prod.replace('from: staging', 'from: Staging') })).toEqual([
      'pipelines/prod.yaml: promotion.from: "Staging" is not a valid name: use 1-31 characters, lowercase letters, digits and "-", starting with a letter (line 11)',
    ]);
  });
});
