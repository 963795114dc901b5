import { z } from 'zod';
import { describe } from './schema-primitives';

/** Slack workspace (team) IDs: `T…` (or `E…` for an Enterprise Grid organization), uppercase letters and digits. */
export const SLACK_WORKSPACE_PATTERN = /^[TE][0-9A-Z]{6,20}$/;
/** Slack channel IDs: `C…` (public) or `G…` (private), uppercase letters and digits. */
export const SLACK_CHANNEL_PATTERN = /^[CG][0-9A-Z]{6,20}$/;

function slackId(what: string, example: string, pattern: RegExp, allowed: string): z.ZodString {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `is required (the Slack ${what} ID, such as "${example}")`
          : `must be the Slack ${what} ID as a string, such as "${example}"; found ${describe(issue.input)}`,
    })
    .regex(pattern, {
      error: (issue) => `${JSON.stringify(issue.input)} is not a Slack ${what} ID: ${allowed}`,
    });
}

const slackSchema = z
  .strictObject(
    {
      workspaceId: slackId(
        'workspace',
        'T0123ABCD',
        SLACK_WORKSPACE_PATTERN,
        '"T" (or "E") and 6-20 uppercase letters or digits, as shown in the AWS Chatbot console',
      ).describe('Slack workspace ID, authorized once in the AWS Chatbot console (e.g. T0123ABCD).'),
      channelId: slackId(
        'channel',
        'C0123ABCDEF',
        SLACK_CHANNEL_PATTERN,
        '"C" (public) or "G" (private) and 6-20 uppercase letters or digits (channel details in Slack)',
      ).describe('Slack channel ID (e.g. C0123ABCDEF); invite the AWS Chatbot app to a private channel.'),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? 'is required (a mapping { workspaceId, channelId } of the Slack channel)'
          : `must be a mapping { workspaceId, channelId }; found ${describe(issue.input)}`,
    },
  )
  .describe('Slack channel receiving the approval requests and failures of this environment.');

/** `notifications:` of an environment: chat channels subscribed to its approval and failure topics. */
export const notificationsSchema = z
  .strictObject({
    slack: slackSchema,
  })
  .describe('Chat notifications through AWS Chatbot. Default: none.');

export type NotificationsConfig = z.output<typeof notificationsSchema>;
