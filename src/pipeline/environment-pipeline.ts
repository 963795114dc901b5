import type * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentModel, FactoryModel } from '../config/model';
import { pipelineName } from '../naming';
import { approvalMessage, CUSTOM_DATA_LIMIT, worstCaseResolvedLength } from './approval-message';
import { APPLY_ACTIONS, CHECK_ACTIONS, SCANNERS, STAGES } from './pipeline-layout';
import {
  PLAN_ARTIFACT,
  promotedFromDeclaration,
  PLAN_NAMESPACE,
  planDigestEnvironment,
  releaseActionEnvironment,
  releaseVariableDeclarations,
  SCANNER_NAMESPACES,
  SOURCE_ACTION,
  SOURCE_NAMESPACE,
  sourceCommitEnvironment,
} from './release-variables';
import type { TerraformProjects } from './terraform-projects';

export { STAGES } from './pipeline-layout';

export interface EnvironmentPipelineProps {
  readonly config: FactoryModel;
  readonly environment: EnvironmentModel;
  readonly repository: codecommit.IRepository;
  readonly projects: TerraformProjects;
  readonly artifactBucket: s3.IBucket;
  /** Topic of the approval requests; required when the environment requires approval. */
  readonly approvalTopic?: sns.ITopic;
}

/**
 * The environment's CodePipeline (V2): Source (the tagged commit of `mainBranch`) → Checks (tflint ‖ checkov ‖
 * tfsec ‖ plan) → Approval (when required) → Apply (of the plan artifact from Checks, never a re-plan).
 *
 * Executions come only from the tag handler: the source action has no trigger, the pipeline no trigger and no
 * polling. Execution mode PARALLEL: releases of different regions and teams never wait for each other, and none is
 * dropped (SUPERSEDED would silently discard a waiting release). Two releases of one state key cannot apply at
 * the same time because apply holds the Terraform state lock, and a plan made stale by another apply is refused
 * by the apply buildspec (state serial/lineage check) and by Terraform ("Saved plan is stale").
 */
export class EnvironmentPipeline extends Construct {
  public readonly pipeline: codepipeline.Pipeline;
  public readonly variables: ReturnType<typeof releaseVariableDeclarations>;

  constructor(scope: Construct, id: string, props: EnvironmentPipelineProps) {
    super(scope, id);
    const { factory } = props.config;
    const env = props.environment;
    const { projects } = props.projects;
    this.variables = releaseVariableDeclarations();
    // Every build gets the release variables and the commit the source action fetched.
    const environmentVariables = {
      ...releaseActionEnvironment(this.variables),
      ...sourceCommitEnvironment(),
    };

    const source = new codepipeline.Artifact('Source');
    const planOutput = new codepipeline.Artifact(PLAN_ARTIFACT);

    const sourceAction = new actions.CodeCommitSourceAction({
      actionName: SOURCE_ACTION,
      repository: props.repository,
      branch: factory.mainBranch,
      output: source,
      trigger: actions.CodeCommitTrigger.NONE,
      variablesNamespace: SOURCE_NAMESPACE,
    });

    const checkActions = CHECK_ACTIONS.map(({ name, runOrder }) =>
      name === 'plan'
        ? new actions.CodeBuildAction({
            actionName: 'plan',
            project: projects.plan,
            input: source,
            outputs: [planOutput],
            environmentVariables,
            variablesNamespace: PLAN_NAMESPACE,
            runOrder,
          })
        : new actions.CodeBuildAction({
            actionName: name,
            type: actions.CodeBuildActionType.TEST,
            project: projects[name],
            input: source,
            environmentVariables,
            variablesNamespace: SCANNER_NAMESPACES[name as (typeof SCANNERS)[number]],
            runOrder,
          }),
    );

    const stages: codepipeline.StageProps[] = [
      { stageName: STAGES.source, actions: [sourceAction] },
      { stageName: STAGES.checks, actions: checkActions },
    ];

    if (env.approval.required) {
      if (props.approvalTopic === undefined) {
        throw new Error(`${env.file}: approval.required is true but the pipeline has no approval topic`);
      }
      const message = approvalMessage({ promoted: env.promotion !== undefined });
      const worstCase = worstCaseResolvedLength(message);
      if (worstCase > CUSTOM_DATA_LIMIT) {
        throw new Error(
          `approval message: ${worstCase} characters once resolved in the worst case; CodePipeline allows ${CUSTOM_DATA_LIMIT}`,
        );
      }
      stages.push({
        stageName: STAGES.approval,
        actions: [
          new actions.ManualApprovalAction({
            actionName: 'approve',
            notificationTopic: props.approvalTopic,
            additionalInformation: message,
            externalEntityLink: `#{${PLAN_NAMESPACE}.PLAN_BUILD_URL}`,
            timeout: Duration.minutes(env.approval.timeoutMinutes),
            runOrder: 1,
          }),
        ],
      });
    }

    stages.push({
      stageName: STAGES.apply,
      actions: APPLY_ACTIONS.map(
        ({ name, runOrder }) =>
          new actions.CodeBuildAction({
            actionName: name,
            project: projects[name],
            input: source,
            extraInputs: [planOutput],
            // The digest the approver saw, through the pipeline: apply refuses an artifact that does not match.
            environmentVariables: { ...environmentVariables, ...planDigestEnvironment() },
            runOrder,
          }),
      ),
    });

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: pipelineName(factory.pipelineNamePrefix, env.environment),
      pipelineType: codepipeline.PipelineType.V2,
      executionMode: codepipeline.ExecutionMode.PARALLEL,
      variables: [
        ...Object.values(this.variables),
        ...(env.promotion === undefined ? [] : [promotedFromDeclaration(env.promotion.from)]),
      ],
      artifactBucket: props.artifactBucket,
      crossAccountKeys: false,
      restartExecutionOnUpdate: false,
      usePipelineRoleForActions: true,
      stages,
    });
  }
}
