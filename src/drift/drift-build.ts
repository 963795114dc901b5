/** What a drift build reports through its exported variables (buildspecs/plan.yml, drift mode). */

export interface DriftBuildCheck {
  readonly drifted: boolean;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

const DRIFT_STATUSES = new Set(['none', 'drifted']);
const COUNT = /^(0|[1-9]\d{0,8})$/;

/** The check a finished drift build reports, or (a string) why its variables are not a drift check. */
export function driftCheckOf(exports: Readonly<Record<string, string>>): DriftBuildCheck | string {
  const status = exports.DRIFT_STATUS;
  if (status === undefined || !DRIFT_STATUSES.has(status)) {
    return `the build exported DRIFT_STATUS ${JSON.stringify(status ?? null)}, not none or drifted`;
  }
  const counts: number[] = [];
  for (const name of ['DRIFT_ADD', 'DRIFT_CHANGE', 'DRIFT_DESTROY']) {
    const value = exports[name];
    if (value === undefined || !COUNT.test(value)) {
      return `the build exported ${name} ${JSON.stringify(value ?? null)}, not a count`;
    }
    counts.push(Number(value));
  }
  const [add = 0, change = 0, destroy = 0] = counts;
  return { drifted: status === 'drifted', add, change, destroy };
}

/** CodeBuild's `exportedEnvironmentVariables` (a list of { name, value }) as a map. */
export function exportedVariablesOf(
  list: readonly { readonly Name?: string; readonly Value?: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list ?? []) {
    if (typeof entry.Name === 'string' && typeof entry.Value === 'string') out[entry.Name] = entry.Value;
  }
  return out;
}
