import { ConfigError, type FactoryModel } from '../config';
import { describeCompute, factoryFileOf, resolveCompute, type ResolvedCompute } from '../pipeline/compute';
import { fail, pass, type DoctorRow } from './doctor-row';

/** Lambda compute where factory.yaml asks for it: the compute each action gets in the tooling region. */
export function checkCompute(
  config: FactoryModel,
  region: string,
): { row: DoctorRow; compute?: ResolvedCompute } {
  try {
    const compute = resolveCompute(config.factory.compute, region, factoryFileOf(config));
    return { row: pass('compute', region, describeCompute(compute)), compute };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      row: fail(
        'compute',
        region,
        error.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        'set the named compute.* keys of factory.yaml to "ec2" (or remove them), or deploy the tooling stacks in a region with Lambda compute',
      ),
    };
  }
}
