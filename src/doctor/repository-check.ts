import { GetBranchCommand, type CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { FactoryModel } from '../config';
import { stackNames } from '../stacks/stack-names';
import { describeError, errorName, fail, pass, type DoctorRow } from './doctor-row';

/** The repository exists and has the main branch that release tags must be on. */
export async function checkRepository(client: CodeCommitClient, config: FactoryModel): Promise<DoctorRow> {
  const { repository, mainBranch } = config.factory;
  const subject = `${repository} (${mainBranch})`;
  try {
    const { branch } = await client.send(
      new GetBranchCommand({ repositoryName: repository, branchName: mainBranch }),
    );
    return pass('repository', subject, `branch ${mainBranch} at ${branch?.commitId ?? 'an unknown commit'}`);
  } catch (error) {
    const name = errorName(error);
    if (name === 'RepositoryDoesNotExistException') {
      return fail(
        'repository',
        subject,
        `repository ${repository} does not exist`,
        config.factory.importExisting
          ? `create it, or fix repository: in factory.yaml (importExisting: true imports an existing one)`
          : `deploy the tooling stack (npx cdk deploy ${stackNames(config.factory.pipelineNamePrefix).tooling}), which creates it`,
      );
    }
    if (name === 'BranchDoesNotExistException') {
      return fail(
        'repository',
        subject,
        `branch ${mainBranch} does not exist`,
        `push it: git push origin ${mainBranch} (or set mainBranch: in factory.yaml)`,
      );
    }
    return fail(
      'repository',
      subject,
      describeError(error),
      'allow codecommit:GetBranch to these credentials',
    );
  }
}
