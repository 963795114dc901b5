import { modelWith } from '../support/config-files';
import { buildTestApp } from '../support/test-app';

/**
 * Backstop only: the fine-grained tests say what matters; this catches unintended drift elsewhere in the dev
 * pipeline stack. Inlined buildspecs (owned by buildspecs/*.yml, tested in buildspecs.test.ts) and asset hashes
 * are scrubbed. Update with `npx jest test/stacks/snapshot.test.ts -u` after reviewing the diff.
 */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      out[key] = key === 'BuildSpec' ? '<buildspec>' : scrub(v);
    }
    return out;
  }
  if (typeof value === 'string') return value.replace(/[0-9a-f]{64}/g, '<hash>');
  return value;
}

test('dev pipeline stack (scrubbed) matches the snapshot', () => {
  const testApp = buildTestApp(modelWith());
  expect(scrub(testApp.template(testApp.environments.dev).toJSON())).toMatchSnapshot();
});
