import { MAX_TAG_LENGTH, parseTag, resolveRelease, TAG_GRAMMAR_ERE } from '../../src/tag';
import { modelWith, shippedConfigFiles } from '../support/config-files';

const shippedFactory = (): string => shippedConfigFiles().get('factory.yaml') as string;

// The edges of the tag grammar, one value on each side: the length bound, the printable-ASCII range, the name,
// region and version shapes. Each pair would let a one-character change of the grammar (an off-by-one bound, a
// dropped anchor or quantifier) through if only one side were tested.

const PREFIX = 'dev_us-east-1/research/1.0-';

describe('length', () => {
  test(`exactly ${MAX_TAG_LENGTH} characters is accepted; one more is refused with both numbers`, () => {
    const longest = PREFIX + 'a'.repeat(MAX_TAG_LENGTH - PREFIX.length);
    expect(longest).toHaveLength(200);
    expect(parseTag(longest)).toMatchObject({ ok: true, parts: { version: longest.slice(23) } });
    expect(parseTag(`${longest}a`)).toEqual({
      ok: false,
      code: 'too-long',
      reason: 'tag is 201 characters long; at most 200 are allowed',
    });
  });

  test('one character is not empty: it is judged by the grammar', () => {
    expect(parseTag('a')).toMatchObject({ ok: false, code: 'bad-shape' });
    expect(parseTag('')).toEqual({
      ok: false,
      code: 'empty',
      reason:
        'tag is empty; expected <env>_<region|global>/<team>/<version>, e.g. dev_eu-central-1/research/1.4.0',
    });
  });
});

describe('characters: what each refused one is called, at its position', () => {
  test.each<[string, string, string]>([
    ['U+001F (last control character)', '\u001f', 'control character U+001F'],
    ['a space (first printable)', ' ', 'a space'],
    ['"!" (after the space)', '!', '"!"'],
    ['"~" (last printable ASCII)', '~', '"~"'],
    ['U+007F (DEL)', '\u007f', 'control character U+007F'],
    ['U+0080 (first non-ASCII)', '\u0080', 'non-ASCII character U+0080'],
    ['U+00E9', 'é', 'non-ASCII character U+00E9'],
    ['U+10FFFF (an astral code point, six hex digits)', '\u{10ffff}', 'non-ASCII character U+10FFFF'],
  ])('%s', (_what, char, described) => {
    expect(parseTag(`${PREFIX}x${char}`)).toEqual({
      ok: false,
      code: 'bad-character',
      reason: `tag contains ${described} at position 29; allowed are letters, digits, ".", "_", "-" and "/"`,
    });
  });

  test('positions count code points, not UTF-16 units: the character after an emoji is one further', () => {
    expect(parseTag('🚀;')).toMatchObject({
      reason: expect.stringContaining('U+1F680 at position 1;') as string,
    });
    expect(parseTag('a\u{1f680}')).toMatchObject({
      reason: expect.stringContaining('at position 2;') as string,
    });
  });

  test.each(['A', 'Z', 'a', 'z', '0', '9', '.', '-'])('%s is allowed', (char) => {
    expect(parseTag(`${PREFIX}a${char}b`).ok).toBe(true);
  });
});

describe('shape', () => {
  test('one segment is "1 segment", two are "2 segments"', () => {
    expect(parseTag('dev_us-east-1')).toEqual({
      ok: false,
      code: 'bad-shape',
      reason:
        'tag has 1 "/"-separated segment; expected 3: <env>_<region|global>/<team>/<version>, e.g. dev_eu-central-1/research/1.4.0',
    });
    expect(parseTag('dev_us-east-1/research')).toMatchObject({
      reason: expect.stringContaining('tag has 2 "/"-separated segments;') as string,
    });
  });

  test('an underscore first leaves an empty environment, an underscore last an empty scope', () => {
    expect(parseTag('_us-east-1/research/1.0')).toMatchObject({ code: 'bad-environment' });
    expect(parseTag('dev_/research/1.0')).toMatchObject({
      code: 'bad-scope',
      reason: expect.stringContaining('scope ""') as string,
    });
  });
});

describe('names (environment and team): a lowercase letter, then up to 30 of [a-z0-9-]', () => {
  const env31 = `d${'e'.repeat(30)}`;
  test.each<[string, string, boolean]>([
    ['31 characters', env31, true],
    ['32 characters', `${env31}e`, false],
    ['one letter', 'd', true],
    ['a digit first', '1dev', false],
    ['a hyphen first', '-dev', false],
    ['digits and hyphens after the first letter', 'd-1-x', true],
    ['an upper-case letter inside', 'dEv', false],
    ['a dot inside', 'd.v', false],
  ])('%s', (_what, name, accepted) => {
    const asEnvironment = parseTag(`${name}_us-east-1/research/1.0`);
    const asTeam = parseTag(`dev_us-east-1/${name}/1.0`);
    expect(asEnvironment.ok).toBe(accepted);
    expect(asTeam.ok).toBe(accepted);
    if (!accepted) {
      expect(asEnvironment).toMatchObject({ code: 'bad-environment' });
      expect(asTeam).toMatchObject({ code: 'bad-team' });
    }
  });
});

describe('scope: "global" or region-shaped (2-4 letters, 1-2 words, a number 1-99)', () => {
  test.each<[string, boolean]>([
    ['global', true],
    ['globals', false],
    ['us-east-1', true],
    ['us-gov-west-1', true],
    ['eusc-de-east-1', true],
    ['us-east-99', true],
    ['us-east-100', false],
    ['us-east-0', false],
    ['us-east-01', false],
    ['u-east-1', false],
    ['abcde-east-1', false],
    ['us-1', false],
    ['us-a-b-c-1', false],
    ['us-east1', false],
    ['us-east-1-', false],
    ['xus-east-1x', false],
  ])('%s', (scope, accepted) => {
    const result = parseTag(`dev_${scope}/research/1.0`);
    expect(result.ok ? 'accepted' : result.code).toBe(accepted ? 'accepted' : 'bad-scope');
  });
});

describe('version: [v]MAJOR.MINOR[.PATCH][-pre-release], no leading zeros', () => {
  test.each<[string, boolean]>([
    ['0.0', true],
    ['10.0', true],
    ['1.10.100', true],
    ['v0.1', true],
    ['1.0-0', true],
    ['1.0-10', true],
    ['1.0-0a', true],
    ['1.0--', true],
    ['1.0-a.b.c', true],
    ['1.0-x.01', false],
    ['1.0-a..b', false],
    ['1.0-a.', false],
    ['00.1', false],
    ['1.00', false],
    ['1.', false],
    ['.1', false],
    ['x1.0', false],
    ['1.0x', false],
  ])('%s', (version, accepted) => {
    const result = parseTag(`dev_us-east-1/research/${version}`);
    expect(result.ok ? 'accepted' : result.code).toBe(accepted ? 'accepted' : 'bad-version');
  });
});

describe('unknown names in the configuration: the whole reason, with a suggestion only when one is close', () => {
  const config = modelWith();

  test.each<[string, string]>([
    [
      'stagng_us-east-1/research/1.0',
      'environment "stagng" is not configured (configured: dev, prod, qa, staging); did you mean "staging"?',
    ],
    [
      'perf_us-east-1/research/1.0',
      'environment "perf" is not configured (configured: dev, prod, qa, staging)',
    ],
    [
      'dev_us-east-1/reserch/1.0',
      'team "reserch" is not configured for dev (configured: research, risk); did you mean "research"?',
    ],
    ['dev_us-east-1/payments/1.0', 'team "payments" is not configured for dev (configured: research, risk)'],
    [
      'dev_eu-west-3/research/1.0',
      'region eu-west-3 is not configured for dev (configured: us-east-1, eu-central-1, ap-southeast-1, or global)',
    ],
  ])('%s', (tag, reason) => {
    expect(resolveRelease(tag, config)).toMatchObject({ ok: false, reason });
  });
});

describe('what the mutation run of src/tag left alive', () => {
  test('DynamoDB locking names the lock table; the S3 lockfile has none', () => {
    const factory = shippedFactory().replace(/^locking: .*$/m, '');
    const dynamo = resolveRelease(
      'dev_us-east-1/research/1.0',
      modelWith({ 'factory.yaml': `${factory}locking: dynamodb\n` }),
    );
    expect(dynamo).toMatchObject({
      ok: true,
      release: { locking: 'dynamodb', lockTable: 'acme-tfstate-lock-dev' },
    });
    const lockfile = resolveRelease('dev_us-east-1/research/1.0', modelWith({ 'factory.yaml': factory }));
    expect(lockfile).toMatchObject({ ok: true, release: { locking: 's3-lockfile' } });
    expect(lockfile.ok && 'lockTable' in lockfile.release).toBe(false);
  });

  test('the configured teams are listed sorted, whatever their order in the file', () => {
    const dev =
      'environment: dev\nregions: [us-east-1]\nteams:\n  zeta: { account: "111111111111" }\n  alpha: { account: "222222222222" }\n';
    expect(resolveRelease('dev_us-east-1/payments/1.0', modelWith({ 'dev.yaml': dev }))).toMatchObject({
      reason: 'team "payments" is not configured for dev (configured: alpha, zeta)',
    });
  });

  test('a non-string and a first segment without "_": their exact code and reason', () => {
    expect(parseTag(7)).toEqual({ ok: false, code: 'not-a-string', reason: 'tag must be a string' });
    expect(parseTag('dev/research/1.0')).toEqual({
      ok: false,
      code: 'bad-shape',
      reason:
        'first segment "dev" has no "_"; expected <env>_<region|global> as in <env>_<region|global>/<team>/<version>, e.g. dev_eu-central-1/research/1.4.0',
    });
  });

  test('the POSIX form of the grammar has no (?: groups and keeps the language', () => {
    expect(TAG_GRAMMAR_ERE.name).toBe('^[a-z][a-z0-9-]{0,30}$');
    expect(TAG_GRAMMAR_ERE.region).toBe('^[a-z]{2,4}(-[a-z]+){1,2}-[1-9][0-9]?$');
    expect(TAG_GRAMMAR_ERE.version).toBe(
      '^v?(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))?(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?$',
    );
    expect(TAG_GRAMMAR_ERE.maxLength).toBe(200);
  });
});
