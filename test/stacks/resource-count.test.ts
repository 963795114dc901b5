import { buildTestApp, generatedModel, type TestApp } from '../support/test-app';

function resourceCount(testApp: TestApp, stack: keyof TestApp['environments'] | 'tooling'): number {
  const s = stack === 'tooling' ? testApp.tooling : testApp.environments[stack];
  return Object.keys(testApp.template(s).toJSON().Resources as object).length;
}

describe('resource counts', () => {
  test('an environment stack has the same resources whatever the number of regions and teams', () => {
    // GIVEN the smallest and a larger environment
    const small = buildTestApp(generatedModel({ environments: 2, regions: 1, teams: 1 }));
    const large = buildTestApp(generatedModel({ environments: 2, regions: 3, teams: 5 }));
    // THEN adding regions and teams adds no resource, to the environment stacks or to the tooling stack
    expect(resourceCount(small, 'dev')).toBeGreaterThan(20);
    expect(resourceCount(large, 'dev')).toBe(resourceCount(small, 'dev'));
    expect(resourceCount(large, 'env1')).toBe(resourceCount(small, 'env1'));
    expect(resourceCount(large, 'tooling')).toBe(resourceCount(small, 'tooling'));
  });

  test('adding a region to an environment changes no resource of its stack, only values', () => {
    const before = buildTestApp(generatedModel({ environments: 1, regions: 2, teams: 2 }));
    const after = buildTestApp(generatedModel({ environments: 1, regions: 3, teams: 2 }));
    const types = (app: TestApp): string[] =>
      Object.values(app.template(app.environments.dev).toJSON().Resources as Record<string, { Type: string }>)
        .map((r) => r.Type)
        .sort();
    expect(types(after)).toEqual(types(before));
  });

  test('20 environments x 10 regions x 20 teams: every stack far under the 500-resource and 1 MB limits', () => {
    const app = buildTestApp(generatedModel({ environments: 20, regions: 10, teams: 20 }));
    const stacks = [app.tooling, ...Object.values(app.environments)];
    expect(stacks).toHaveLength(21);
    for (const stack of stacks) {
      const template = app.template(stack).toJSON() as { Resources: object };
      const count = Object.keys(template.Resources).length;
      expect(count).toBeLessThan(250);
      expect(JSON.stringify(template).length).toBeLessThan(500_000);
    }
  });
});
