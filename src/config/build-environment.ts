import type { EnvironmentModel, FactoryModel } from './model';
import type { ScannerName } from './schema';

/** `team=account` pairs of an environment, sorted by team (code-unit order): the projects' TEAM_ACCOUNTS. */
export function teamAccounts(environment: EnvironmentModel): string {
  return (
    Object.entries(environment.teams)
      // Object keys are unique, so two names are never equal.
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([team, { account }]) => `${team}=${account}`)
      .join(' ')
  );
}

/** Scanners with factory-owned skips, in the order their variables are written. */
const SKIP_VARIABLES: Readonly<Record<ScannerName, string>> = {
  checkov: 'SCANNER_SKIP_CHECKOV',
  tfsec: 'SCANNER_SKIP_TFSEC',
  tflint: 'SCANNER_SKIP_TFLINT',
};

/**
 * The configuration's part of every build project's static environment (the contract with the buildspecs; see
 * README "Configuration"). Lists are newline-separated, one entry a line. CodeBuild refuses empty values, so an
 * optional setting that is not configured is left out rather than set to "".
 *
 * - LAYOUT_REGIONAL, LAYOUT_GLOBAL, LAYOUT_VARS: root modules and the layered tfvars folder.
 * - LAYOUT_TARGET_REGIONAL, LAYOUT_TARGET_GLOBAL: `-target` address per scope, only when set.
 * - LAYOUT_VAR_FILES: var file templates ({env} {team} {scope} {region}), only when set (replaces LAYOUT_VARS).
 * - LAYOUT_VARIABLES: `tfvar=field` lines (release fields), always set, defaults included.
 * - SCANNER_FAIL_ON, SCANNER_REPO_CONFIG (report | ignore): always set.
 * - SCANNER_SKIP_CHECKOV, SCANNER_SKIP_TFSEC, SCANNER_SKIP_TFLINT: `id=reason` lines, only when not empty.
 * - SCANNER_TFLINT_PLUGINS: `name version source` lines of the pinned tflint plugins, only when not empty.
 */
export function configBuildEnvironment(factory: FactoryModel['factory']): Record<string, string> {
  const { layout, scanners } = factory;
  const env: Record<string, string> = {
    LAYOUT_REGIONAL: layout.regional,
    LAYOUT_GLOBAL: layout.global,
    LAYOUT_VARS: layout.vars,
  };
  if (layout.targets?.regional !== undefined) env.LAYOUT_TARGET_REGIONAL = layout.targets.regional;
  if (layout.targets?.global !== undefined) env.LAYOUT_TARGET_GLOBAL = layout.targets.global;
  if (layout.varFiles !== undefined) env.LAYOUT_VAR_FILES = layout.varFiles.join('\n');
  env.LAYOUT_VARIABLES = Object.entries(layout.variables)
    .map(([variable, field]) => `${variable}=${field}`)
    .join('\n');
  env.SCANNER_FAIL_ON = scanners.failOn;
  env.SCANNER_REPO_CONFIG = scanners.repoConfig;
  for (const [tool, name] of Object.entries(SKIP_VARIABLES) as [ScannerName, string][]) {
    const skips = scanners.skip[tool];
    if (skips.length > 0) env[name] = skips.map((s) => `${s.id}=${s.reason.trim()}`).join('\n');
  }
  if (scanners.tflintPlugins.length > 0) {
    env.SCANNER_TFLINT_PLUGINS = scanners.tflintPlugins
      .map((p) => `${p.name} ${p.version} ${p.source}`)
      .join('\n');
  }
  return env;
}
