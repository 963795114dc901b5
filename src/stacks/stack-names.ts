/** Stack names: `<prefix>-tooling`, `<prefix>-pipeline-<env>`, `<prefix>-bootstrap-<env>-<account>`. */
export function stackNames(prefix: string): {
  tooling: string;
  pipeline: (env: string) => string;
  bootstrap: (env: string, account: string) => string;
} {
  return {
    tooling: `${prefix}-tooling`,
    pipeline: (env) => `${prefix}-pipeline-${env}`,
    bootstrap: (env, account) => `${prefix}-bootstrap-${env}-${account}`,
  };
}
