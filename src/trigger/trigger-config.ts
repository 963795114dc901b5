import type { FactoryModel } from '../config/model';

/**
 * The part of the validated configuration the tag handler needs, embedded into its bundle at synth time (never read
 * from the repository at runtime). Approval recipients, tool versions and file paths are left out.
 */
export interface TriggerConfig {
  readonly repository: string;
  readonly mainBranch: string;
  readonly globalRegion: string;
  readonly stateBucketPrefix: string;
  readonly locking: 's3-lockfile' | 'dynamodb';
  readonly pipelineNamePrefix: string;
  readonly environments: readonly {
    readonly environment: string;
    readonly regions: readonly string[];
    readonly teams: Readonly<Record<string, { readonly account: string }>>;
    /** `promotion.from`: releases here need their commit applied there first. */
    readonly promotedFrom?: string;
  }[];
}

export function toTriggerConfig(model: FactoryModel): TriggerConfig {
  const { factory } = model;
  return {
    repository: factory.repository,
    mainBranch: factory.mainBranch,
    globalRegion: factory.globalRegion,
    stateBucketPrefix: factory.stateBucketPrefix,
    locking: factory.locking,
    pipelineNamePrefix: factory.pipelineNamePrefix,
    environments: model.environments.map((env) => ({
      environment: env.environment,
      regions: [...env.regions],
      teams: Object.fromEntries(Object.entries(env.teams).map(([team, { account }]) => [team, { account }])),
      ...(env.promotion === undefined ? {} : { promotedFrom: env.promotion.from }),
    })),
  };
}

/**
 * Rebuilds the model the pure tag module (`resolveRelease`) works on. Only the fields it reads are meaningful;
 * the rest get neutral values.
 */
export function toFactoryModel(config: TriggerConfig): FactoryModel {
  const model = {
    dir: '',
    factory: {
      repository: config.repository,
      importExisting: true,
      mainBranch: config.mainBranch,
      stateBucketPrefix: config.stateBucketPrefix,
      globalRegion: config.globalRegion,
      locking: config.locking,
      pipelineNamePrefix: config.pipelineNamePrefix,
      tools: { engine: 'terraform', terraform: '0.0.0', tflint: '0.0.0', tfsec: '0.0.0', checkov: '0.0.0' },
      layout: { regional: 'regional', global: 'global', vars: 'vars' },
      scanners: { failOn: 'LOW' },
      protectedEnvironments: [],
    },
    environments: config.environments.map((env) => ({
      environment: env.environment,
      regions: env.regions,
      teams: env.teams,
      approval: { required: true, notify: [], timeoutMinutes: 10080 },
      protected: false,
      file: '',
      ...(env.promotedFrom === undefined ? {} : { promotion: { from: env.promotedFrom } }),
    })),
  };
  return model as unknown as FactoryModel;
}
