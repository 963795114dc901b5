export { EnvironmentPipelineStack, type EnvironmentPipelineStackProps } from './environment-pipeline-stack';
export {
  addFactoryStacks,
  stackNames,
  type BootstrapOptions,
  type FactoryAppOptions,
  type FactoryStacks,
} from './factory-app';
export { acknowledgeNag, enableNag } from './nag';
export { ToolingStack, type ToolingStackProps } from './tooling-stack';
export {
  TRUST_ACTIONS,
  WorkloadBootstrapStack,
  type WorkloadBootstrapStackProps,
} from './workload-bootstrap-stack';
