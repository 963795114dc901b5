import { parseTag, resolveRelease, MAX_TAG_LENGTH } from '../../src/tag';
import { modelWith } from '../support/config-files';

const config = modelWith();

describe('accepted tags resolve to the release contract', () => {
  test.each<[string, Record<string, string>]>([
    [
      'dev_us-east-1/research/1.0',
      {
        environment: 'dev',
        region: 'us-east-1',
        targetRegion: 'us-east-1',
        team: 'research',
        version: '1.0',
        stateKey: 'research/dev-us-east-1/terraform.tfstate',
        stateBucket: 'acme-tfstate-dev',
        account: '111111111111',
        pipeline: 'tfpf-dev',
      },
    ],
    [
      'dev_eu-central-1/research/1.4.0',
      { stateKey: 'research/dev-eu-central-1/terraform.tfstate', targetRegion: 'eu-central-1' },
    ],
    [
      'dev_global/research/1.4.0',
      { region: 'global', targetRegion: 'us-east-1', stateKey: 'research/dev-global/terraform.tfstate' },
    ],
    [
      'prod_ap-southeast-1/risk/v2.0.0-rc.1',
      { version: 'v2.0.0-rc.1', account: '222222222225', pipeline: 'tfpf-prod' },
    ],
    ['qa_us-east-1/risk/0.0.0', { version: '0.0.0', stateBucket: 'acme-tfstate-qa' }],
    ['staging_us-east-1/research/10.20.30-alpha.0.x-y', { version: '10.20.30-alpha.0.x-y' }],
    ['dev_us-east-1/research/1.0-rc1', { version: '1.0-rc1' }],
  ])('%s', (tag, expected) => {
    const result = resolveRelease(tag, config);
    if (!result.ok) throw new Error(result.reason);
    expect(result.release).toMatchObject({ tag, ...expected });
  });
});

describe('rejected tags say why', () => {
  test.each<[string, string, string | RegExp]>([
    // shell metacharacters and injection attempts
    ['semicolon', 'dev_us-east-1/research/1.0;rm -rf /', 'tag contains ";" at position 27'],
    ['command substitution', 'dev_us-east-1/research/$(id)', 'tag contains "$" at position 24'],
    ['backticks', 'dev_us-east-1/research/`id`', 'tag contains "`"'],
    ['pipe', 'dev_us-east-1/research/1.0|sh', 'tag contains "|"'],
    ['ampersand', 'dev_us-east-1/research/1.0&&x', 'tag contains "&"'],
    ['redirect', 'dev_us-east-1/research/1.0>x', 'tag contains ">"'],
    ['quote', "dev_us-east-1/research/1.0'", `tag contains "'"`],
    ['glob', 'dev_us-east-1/research/1.*', 'tag contains "*"'],
    // whitespace, control and non-ASCII characters
    ['leading space', ' dev_us-east-1/research/1.0', 'tag contains a space at position 1'],
    ['trailing space', 'dev_us-east-1/research/1.0 ', 'tag contains a space at position 27'],
    ['tab', 'dev_us-east-1/research/1.0\t', 'tag contains control character U+0009'],
    ['newline', 'dev_us-east-1/research/1.0\nx', 'tag contains control character U+000A'],
    ['NUL', 'dev_us-east-1/research/1.0\u0000', 'tag contains control character U+0000'],
    ['DEL', 'dev_us-east-1/research/1.0\u007f', 'tag contains control character U+007F'],
    [
      'non-ASCII letter',
      'dév_us-east-1/research/1.0',
      'tag contains non-ASCII character U+00E9 at position 2',
    ],
    ['Cyrillic homoglyph', 'dev_us-east-1/rеsearch/1.0', 'non-ASCII character U+0435'],
    ['zero-width space', 'dev_us-east-1/research\u200b/1.0', 'non-ASCII character U+200B'],
    ['emoji', 'dev_us-east-1/research/1.0-🚀', 'non-ASCII character U+1F680'],
    // path traversal and shape
    ['path traversal', 'dev_us-east-1/../research/1.0', 'tag has 4 "/"-separated segments; expected 3'],
    ['dot team', 'dev_us-east-1/./1.0', 'team "." is not a valid name'],
    ['extra segment', 'dev_us-east-1/research/1.0/x', 'tag has 4 "/"-separated segments'],
    ['missing version', 'dev_us-east-1/research', 'tag has 2 "/"-separated segments'],
    ['empty segments', 'dev_us-east-1//1.0', 'team "" is not a valid name'],
    ['no underscore', 'dev-us-east-1/research/1.0', 'first segment "dev-us-east-1" has no "_"'],
    ['empty', '', 'tag is empty'],
    ['refs prefix', 'refs/tags/dev_us-east-1/research/1.0', 'tag has 5 "/"-separated segments'],
    // version grammar
    ['leading zero major', 'dev_us-east-1/research/01.0', 'version "01.0" is not valid'],
    ['leading zero patch', 'dev_us-east-1/research/1.4.02', 'version "1.4.02" is not valid'],
    ['build metadata', 'dev_us-east-1/research/1.4.0+build.1', 'tag contains "+"'],
    ['single number', 'dev_us-east-1/research/1', 'version "1" is not valid'],
    ['four numbers', 'dev_us-east-1/research/1.2.3.4', 'version "1.2.3.4" is not valid'],
    ['upper-case V', 'dev_us-east-1/research/V1.0', 'version "V1.0" is not valid'],
    ['empty pre-release', 'dev_us-east-1/research/1.0.0-', 'version "1.0.0-" is not valid'],
    ['pre-release leading zero', 'dev_us-east-1/research/1.0.0-01', 'version "1.0.0-01" is not valid'],
    ['trailing dot', 'dev_us-east-1/research/1.0.', 'version "1.0." is not valid'],
    ['double v', 'dev_us-east-1/research/vv1.0', 'version "vv1.0" is not valid'],
    // environment, scope, team against the configuration; prefix confusion and case
    [
      'prefix confusion devtest',
      'devtest_us-east-1/research/1.0',
      'environment "devtest" is not configured (configured: dev, prod, qa, staging)',
    ],
    ['upper-case environment', 'Dev_us-east-1/research/1.0', 'environment "Dev" is not a valid name'],
    ['unknown environment', 'perf_us-east-1/research/1.0', 'environment "perf" is not configured'],
    ['upper-case region', 'dev_US-EAST-1/research/1.0', 'scope "US-EAST-1" is neither a region code'],
    [
      'unconfigured region',
      'qa_eu-west-1/research/1.0',
      'region eu-west-1 is not configured for qa (configured: us-east-1, eu-central-1, ap-southeast-1, or global)',
    ],
    ['not a region', 'dev_moon-base-1/research/1.0', 'region moon-base-1 is not configured for dev'],
    ['Global in capitals', 'dev_GLOBAL/research/1.0', 'scope "GLOBAL" is neither a region code'],
    ['double underscore', 'dev__us-east-1/research/1.0', 'scope "_us-east-1" is neither a region code'],
    [
      'unknown team',
      'dev_us-east-1/ops/1.0',
      'team "ops" is not configured for dev (configured: research, risk)',
    ],
    ['team typo hint', 'dev_us-east-1/reserch/1.0', 'did you mean "research"?'],
    ['upper-case team', 'dev_us-east-1/Research/1.0', 'team "Research" is not a valid name'],
    ['team with underscore', 'dev_us-east-1/re_search/1.0', 'team "re_search" is not a valid name'],
  ])('%s', (_name, tag, reason) => {
    const result = resolveRelease(tag, config);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof reason === 'string') expect(result.reason).toContain(reason);
    else expect(result.reason).toMatch(reason);
    expect(result.reason).not.toContain('\n');
  });

  test('length is bounded before any pattern runs', () => {
    const result = parseTag(`dev_us-east-1/research/1.0-${'a'.repeat(MAX_TAG_LENGTH)}`);
    expect(result).toMatchObject({ ok: false, code: 'too-long' });
    const huge = parseTag('x'.repeat(10_000_000));
    expect(huge).toMatchObject({
      ok: false,
      code: 'too-long',
      reason: 'tag is 10000000 characters long; at most 200 are allowed',
    });
  });

  test.each([undefined, null, 42, {}, ['dev_us-east-1/research/1.0']])('non-string input %p', (input) => {
    expect(resolveRelease(input, config)).toMatchObject({ ok: false, code: 'not-a-string' });
  });

  test('a region added to the YAML is accepted with no code change', () => {
    const before = resolveRelease('dev_eu-west-1/research/1.0', config);
    expect(before.ok).toBe(false);
    const dev =
      'environment: dev\nregions: [us-east-1, eu-west-1]\nteams:\n  research: { account: "111111111111" }\n';
    const after = resolveRelease('dev_eu-west-1/research/1.0', modelWith({ 'dev.yaml': dev }));
    expect(after).toMatchObject({
      ok: true,
      release: { stateKey: 'research/dev-eu-west-1/terraform.tfstate' },
    });
  });
});
