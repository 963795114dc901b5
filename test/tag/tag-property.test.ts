import fc from 'fast-check';
import * as semver from 'semver';
import { resolveRelease } from '../../src/tag';
import { modelWith } from '../support/config-files';

/**
 * Property-based tests: tags generated from the configuration must resolve, and random mutations of them must be
 * rejected unless an independent oracle (written with the `semver` package, not the production regex) says the
 * mutated tag is still valid under the contract.
 */
const config = modelWith();
const RUNS = 10_000;

const versionArb = fc
  .record({
    v: fc.boolean(),
    major: fc.nat({ max: 999 }),
    minor: fc.nat({ max: 999 }),
    patch: fc.option(fc.nat({ max: 999 }), { nil: undefined }),
    pre: fc.option(
      fc.array(
        fc.oneof(
          fc.nat({ max: 99 }).map(String),
          fc.stringMatching(/^[0-9]{0,2}[A-Za-z-][0-9A-Za-z-]{0,6}$/),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      { nil: undefined },
    ),
  })
  .map(({ v, major, minor, patch, pre }) => {
    const core = patch === undefined ? `${major}.${minor}` : `${major}.${minor}.${patch}`;
    return `${v ? 'v' : ''}${core}${pre === undefined ? '' : `-${pre.join('.')}`}`;
  });

const validTagArb = fc.constantFrom(...config.environments).chain((env) =>
  fc.record({
    env: fc.constant(env.environment),
    scope: fc.constantFrom(...env.regions, 'global'),
    team: fc.constantFrom(...Object.keys(env.teams)),
    version: versionArb,
  }),
);

/** Independent reading of the tag contract (DESIGN.md §4). */
function oracleAccepts(tag: string): boolean {
  if (tag.length > 200) return false;
  const parts = tag.split('/');
  if (parts.length !== 3) return false;
  const [head, team, version] = parts as [string, string, string];
  const underscore = head.indexOf('_');
  if (underscore < 0) return false;
  const env = config.environments.find((e) => e.environment === head.slice(0, underscore));
  const scope = head.slice(underscore + 1);
  if (env === undefined) return false;
  if (scope !== 'global' && !(env.regions as readonly string[]).includes(scope)) return false;
  if (!Object.prototype.hasOwnProperty.call(env.teams, team)) return false;
  if (!/^v?[0-9A-Za-z.-]+$/.test(version)) return false;
  const core = version.startsWith('v') ? version.slice(1) : version;
  const dash = core.indexOf('-');
  const main = dash < 0 ? core : core.slice(0, dash);
  const pre = dash < 0 ? '' : core.slice(dash);
  const numbers = main.split('.');
  if (numbers.length !== 2 && numbers.length !== 3) return false;
  const normalized = `${numbers.length === 2 ? `${main}.0` : main}${pre}`;
  return semver.valid(normalized) === normalized;
}

const mutationArb = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    char: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    char: fc.constantFrom(' ', '/', '_', '.', '-', ';', '$', '+', '\n', 'v', '0', 'A'),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1 }),
  }),
  fc.record({ kind: fc.constant('upper' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('suffix' as const),
    text: fc.constantFrom('/x', '+build', ' ', '..', '-', '\u0000', 'é'),
  }),
  fc.record({
    kind: fc.constant('prefix' as const),
    text: fc.constantFrom('test', 'x', ' ', 'refs/tags/', 'v'),
  }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutate(tag: string, m: Mutation): string {
  const chars = [...tag];
  const at = 'at' in m ? m.at % (chars.length + 1) : 0;
  switch (m.kind) {
    case 'insert':
      chars.splice(at, 0, m.char);
      return chars.join('');
    case 'delete':
      chars.splice(Math.min(at, chars.length - 1), 1);
      return chars.join('');
    case 'replace':
      chars[Math.min(at, chars.length - 1)] = m.char;
      return chars.join('');
    case 'upper': {
      const i = Math.min(at, chars.length - 1);
      chars[i] = (chars[i] ?? '').toUpperCase();
      return chars.join('');
    }
    case 'suffix':
      return tag + m.text;
    case 'prefix':
      return m.text + tag;
  }
}

test(`${RUNS} generated valid tags resolve with the right state key`, () => {
  fc.assert(
    fc.property(validTagArb, ({ env, scope, team, version }) => {
      const tag = `${env}_${scope}/${team}/${version}`;
      const result = resolveRelease(tag, config);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.release.stateKey).toBe(`${team}/${env}-${scope}/terraform.tfstate`);
      expect(result.release.version).toBe(version);
      expect(result.release.targetRegion).toBe(scope === 'global' ? config.factory.globalRegion : scope);
    }),
    { numRuns: RUNS },
  );
});

test(`${RUNS} mutated tags are rejected unless still valid by the contract`, () => {
  let rejected = 0;
  fc.assert(
    fc.property(validTagArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (parts, mutations) => {
      const tag = mutations.reduce(mutate, `${parts.env}_${parts.scope}/${parts.team}/${parts.version}`);
      const result = resolveRelease(tag, config);
      expect(result.ok).toBe(oracleAccepts(tag));
      if (!result.ok) {
        rejected += 1;
        expect(result.reason).not.toMatch(/[\n\r]/);
      }
    }),
    { numRuns: RUNS },
  );
  // The mutations must actually exercise the rejection paths.
  expect(rejected).toBeGreaterThan(RUNS * 0.8);
});

test('the oracle agrees with the table of known cases', () => {
  expect(oracleAccepts('dev_us-east-1/research/1.0')).toBe(true);
  expect(oracleAccepts('dev_us-east-1/research/v2.0.0-rc.1')).toBe(true);
  expect(oracleAccepts('dev_us-east-1/research/01.0')).toBe(false);
  expect(oracleAccepts('dev_us-east-1/research/1.0+b')).toBe(false);
  expect(oracleAccepts('devtest_us-east-1/research/1.0')).toBe(false);
});
