import { scheduleExpressionProblem } from '../../src/config/schedule-expression';
import { configProblems, modelWith } from '../support/config-files';

// `drift:` and `notifications:` of an environment file: defaults, and every bad form with its exact message.

const DEV = 'environment: dev\nregions: [us-east-1]\nteams:\n  research: { account: "111111111111" }\n';

function devWith(extra: string) {
  return modelWith({ 'dev.yaml': `${DEV}${extra}\n` }).environments.find((e) => e.environment === 'dev');
}

function problemsOf(extra: string): string[] {
  return configProblems(() => devWith(extra));
}

describe('drift', () => {
  test('is absent unless set', () => {
    expect(devWith('')?.drift).toBeUndefined();
  });

  test('concurrency defaults to 2', () => {
    expect(devWith('drift: { schedule: "rate(1 day)" }')?.drift).toEqual({
      schedule: 'rate(1 day)',
      concurrency: 2,
    });
  });

  test.each([
    'rate(1 minute)',
    'rate(15 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(7 days)',
    'cron(0 6 * * ? *)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(30 2 L * ? 2027)',
    'cron(0 0 15W JAN,JUL ? *)',
    'cron(0 12 ? * 6#3 *)',
    'cron(0 12 ? * 6L 2026-2030)',
    'at(2027-02-28T06:30:00)',
    'at(2028-02-29T23:59:59)',
    'at(2000-02-29T00:00:00)',
    'cron(0 6 ? JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC SUN,MON,TUE,WED,THU,FRI,SAT *)',
    'cron(0 6 LW * ? *)',
    'cron(0 6 5W * ? *)',
    'cron(0 6 31W * ? *)',
    'cron(0 12 ? * L *)',
    'cron(59 23 31 12 ? 2199)',
    'cron(0 0 ? * 7 *)',
    'cron(0/1 0/23 1/31 1/12 ? 1970/2199)',
    'cron( 0 6 * * ? * )',
    'cron(0  6\t* * ? *)',
  ])('accepts %s', (schedule) => {
    expect(scheduleExpressionProblem(schedule)).toBeUndefined();
    expect(devWith(`drift: { schedule: "${schedule}", concurrency: 10 }`)?.drift).toEqual({
      schedule,
      concurrency: 10,
    });
  });

  const at = 'pipelines/dev.yaml: drift.schedule:';
  test.each([
    [
      'every day',
      `${at} "every day" is not a schedule expression: use rate(<value> <minute|minutes|hour|hours|day|days>), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) or at(<yyyy-mm-ddThh:mm:ss>) (line 5)`,
    ],
    [
      'RATE(1 day)',
      `${at} "RATE(1 day)" is not a schedule expression: use rate(<value> <minute|minutes|hour|hours|day|days>), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) or at(<yyyy-mm-ddThh:mm:ss>) (line 5)`,
    ],
    [
      ' rate(1 day)',
      `${at} " rate(1 day)" is not a schedule expression: use rate(<value> <minute|minutes|hour|hours|day|days>), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) or at(<yyyy-mm-ddThh:mm:ss>) (line 5)`,
    ],
    [
      'rate(1day)',
      `${at} "rate(1day)": a rate is rate(<value> <unit>), e.g. rate(1 day) or rate(12 hours) (line 5)`,
    ],
    [
      'rate(1  day)',
      `${at} "rate(1  day)": a rate is rate(<value> <unit>), e.g. rate(1 day) or rate(12 hours) (line 5)`,
    ],
    [
      'rate(0 days)',
      `${at} "rate(0 days)": the rate value must be a whole number of at least 1; found "0" (line 5)`,
    ],
    [
      'rate(1.5 hours)',
      `${at} "rate(1.5 hours)": the rate value must be a whole number of at least 1; found "1.5" (line 5)`,
    ],
    [
      'rate(01 day)',
      `${at} "rate(01 day)": the rate value must be a whole number of at least 1; found "01" (line 5)`,
    ],
    [
      'rate(2 weeks)',
      `${at} "rate(2 weeks)": the rate unit must be minute(s), hour(s) or day(s); found "weeks" (line 5)`,
    ],
    ['rate(1 days)', `${at} "rate(1 days)": a rate of 1 takes the singular unit (rate(1 day)) (line 5)`],
    [
      'rate(5 minute)',
      `${at} "rate(5 minute)": a rate above 1 takes the plural unit (rate(5 minutes)) (line 5)`,
    ],
    [
      'cron(0 6 * * ?)',
      `${at} "cron(0 6 * * ?)": a cron expression has six fields (minutes hours day-of-month month day-of-week year); found 5 (line 5)`,
    ],
    [
      'cron(60 6 * * ? *)',
      `${at} "cron(60 6 * * ? *)": minutes "60" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(0 24 * * ? *)',
      `${at} "cron(0 24 * * ? *)": hours "24" is not valid (0-23, with , - * /) (line 5)`,
    ],
    [
      'cron(0 6 32 * ? *)',
      `${at} "cron(0 6 32 * ? *)": day-of-month "32" is not valid (1-31, with , - * / ? L W) (line 5)`,
    ],
    [
      'cron(0 6 * 13 ? *)',
      `${at} "cron(0 6 * 13 ? *)": month "13" is not valid (1-12 or JAN-DEC, with , - * /) (line 5)`,
    ],
    [
      'cron(0 6 ? * FUN *)',
      `${at} "cron(0 6 ? * FUN *)": day-of-week "FUN" is not valid (1-7 or SUN-SAT, with , - * / ? L #) (line 5)`,
    ],
    [
      'cron(0 6 * * ? 1969)',
      `${at} "cron(0 6 * * ? 1969)": year "1969" is not valid (1970-2199, with , - * /) (line 5)`,
    ],
    [
      'cron(0 6 1,,2 * ? *)',
      `${at} "cron(0 6 1,,2 * ? *)": day-of-month "1,,2" is not valid (1-31, with , - * / ? L W) (line 5)`,
    ],
    [
      'cron(0/0 6 * * ? *)',
      `${at} "cron(0/0 6 * * ? *)": minutes "0/0" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(X 6 * * ? *)',
      `${at} "cron(X 6 * * ? *)": minutes "X" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(0/5/2 6 * * ? *)',
      `${at} "cron(0/5/2 6 * * ? *)": minutes "0/5/2" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(? 6 * * ? *)',
      `${at} "cron(? 6 * * ? *)": "?" is allowed only in day-of-month and day-of-week, not in minutes (line 5)`,
    ],
    [
      'cron(0 6 * * * *)',
      `${at} "cron(0 6 * * * *)": exactly one of day-of-month and day-of-week must be "?" (e.g. cron(0 6 * * ? *) or cron(0 6 ? * MON-FRI *)) (line 5)`,
    ],
    [
      'cron(0 6 ? * ? *)',
      `${at} "cron(0 6 ? * ? *)": exactly one of day-of-month and day-of-week must be "?" (e.g. cron(0 6 * * ? *) or cron(0 6 ? * MON-FRI *)) (line 5)`,
    ],
    [
      'at(2027-01-31 06:00:00)',
      `${at} "at(2027-01-31 06:00:00)": a one-time schedule is at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T06:00:00) (line 5)`,
    ],
    [
      'at(2027-02-29T06:00:00)',
      `${at} "at(2027-02-29T06:00:00)": 2027-02-29T06:00:00 is not a real date and time (line 5)`,
    ],
    [
      'at(2027-01-31T24:00:00)',
      `${at} "at(2027-01-31T24:00:00)": 2027-01-31T24:00:00 is not a real date and time (line 5)`,
    ],
    [
      'cron(0 6 0W * ? *)',
      `${at} "cron(0 6 0W * ? *)": day-of-month "0W" is not valid (1-31, with , - * / ? L W) (line 5)`,
    ],
    [
      'cron(0 6 32W * ? *)',
      `${at} "cron(0 6 32W * ? *)": day-of-month "32W" is not valid (1-31, with , - * / ? L W) (line 5)`,
    ],
    [
      'cron(0 6 15WX * ? *)',
      `${at} "cron(0 6 15WX * ? *)": day-of-month "15WX" is not valid (1-31, with , - * / ? L W) (line 5)`,
    ],
    [
      'cron(0 6 X15W * ? *)',
      `${at} "cron(0 6 X15W * ? *)": day-of-month "X15W" is not valid (1-31, with , - * / ? L W) (line 5)`,
    ],
    [
      'cron(0 12 ? * 6LX *)',
      `${at} "cron(0 12 ? * 6LX *)": day-of-week "6LX" is not valid (1-7 or SUN-SAT, with , - * / ? L #) (line 5)`,
    ],
    [
      'cron(0 12 ? * X6L *)',
      `${at} "cron(0 12 ? * X6L *)": day-of-week "X6L" is not valid (1-7 or SUN-SAT, with , - * / ? L #) (line 5)`,
    ],
    [
      'cron(0 12 ? * 6#3X *)',
      `${at} "cron(0 12 ? * 6#3X *)": day-of-week "6#3X" is not valid (1-7 or SUN-SAT, with , - * / ? L #) (line 5)`,
    ],
    [
      'cron(0 12 ? * X6#3 *)',
      `${at} "cron(0 12 ? * X6#3 *)": day-of-week "X6#3" is not valid (1-7 or SUN-SAT, with , - * / ? L #) (line 5)`,
    ],
    [
      'cron(1e1 6 * * ? *)',
      `${at} "cron(1e1 6 * * ? *)": minutes "1e1" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(0/1e1 6 * * ? *)',
      `${at} "cron(0/1e1 6 * * ? *)": minutes "0/1e1" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(0/60 6 * * ? *)',
      `${at} "cron(0/60 6 * * ? *)": minutes "0/60" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(1-2-3 6 * * ? *)',
      `${at} "cron(1-2-3 6 * * ? *)": minutes "1-2-3" is not valid (0-59, with , - * /) (line 5)`,
    ],
    [
      'cron(0 1-24 * * ? *)',
      `${at} "cron(0 1-24 * * ? *)": hours "1-24" is not valid (0-23, with , - * /) (line 5)`,
    ],
    [
      'cron(0 6 * JAN-FOO ? *)',
      `${at} "cron(0 6 * JAN-FOO ? *)": month "JAN-FOO" is not valid (1-12 or JAN-DEC, with , - * /) (line 5)`,
    ],
    [
      'rate(x 1 day)',
      `${at} "rate(x 1 day)": a rate is rate(<value> <unit>), e.g. rate(1 day) or rate(12 hours) (line 5)`,
    ],
    [
      'rate(1 day x)',
      `${at} "rate(1 day x)": a rate is rate(<value> <unit>), e.g. rate(1 day) or rate(12 hours) (line 5)`,
    ],
    [
      'rate(1 day)x',
      `${at} "rate(1 day)x" is not a schedule expression: use rate(<value> <minute|minutes|hour|hours|day|days>), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) or at(<yyyy-mm-ddThh:mm:ss>) (line 5)`,
    ],
    [
      'at(2027-01-31T06:00:00Z)',
      `${at} "at(2027-01-31T06:00:00Z)": a one-time schedule is at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T06:00:00) (line 5)`,
    ],
    [
      'at(x2027-01-31T06:00:00)',
      `${at} "at(x2027-01-31T06:00:00)": a one-time schedule is at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T06:00:00) (line 5)`,
    ],
    [
      'at(2027-04-31T06:00:00)',
      `${at} "at(2027-04-31T06:00:00)": 2027-04-31T06:00:00 is not a real date and time (line 5)`,
    ],
    [
      'at(2027-13-01T06:00:00)',
      `${at} "at(2027-13-01T06:00:00)": 2027-13-01T06:00:00 is not a real date and time (line 5)`,
    ],
    [
      'at(2027-01-31T06:60:00)',
      `${at} "at(2027-01-31T06:60:00)": 2027-01-31T06:60:00 is not a real date and time (line 5)`,
    ],
    [
      'at(2027-01-31T06:00:60)',
      `${at} "at(2027-01-31T06:00:60)": 2027-01-31T06:00:60 is not a real date and time (line 5)`,
    ],
    [
      'at(0050-01-01T00:00:00)',
      `${at} "at(0050-01-01T00:00:00)": 0050-01-01T00:00:00 is not a real date and time (line 5)`,
    ],
    [
      'at(2100-02-29T00:00:00)',
      `${at} "at(2100-02-29T00:00:00)": 2100-02-29T00:00:00 is not a real date and time (line 5)`,
    ],
  ])('refuses schedule %j', (schedule, message) => {
    expect(problemsOf(`drift: { schedule: "${schedule}" }`)).toEqual([message]);
  });

  test.each([
    [
      'drift: {}',
      'pipelines/dev.yaml: drift.schedule: is required (an EventBridge Scheduler expression such as "rate(1 day)" or "cron(0 6 * * ? *)") (line 5)',
    ],
    [
      'drift: { schedule: 1 }',
      'pipelines/dev.yaml: drift.schedule: must be an EventBridge Scheduler expression such as "rate(1 day)" or "cron(0 6 * * ? *)"; found the unquoted number 1 (line 5)',
    ],
    [
      'drift: { schedule: "rate(1 day)", concurrency: 0 }',
      'pipelines/dev.yaml: drift.concurrency: must be at least 1 (line 5)',
    ],
    [
      'drift: { schedule: "rate(1 day)", concurrency: 11 }',
      "pipelines/dev.yaml: drift.concurrency: must be at most 10: drift builds share the account's CodeBuild concurrency quota with the release pipelines (line 5)",
    ],
    [
      'drift: { schedule: "rate(1 day)", concurrency: 1.5 }',
      'pipelines/dev.yaml: drift.concurrency: must be a whole number of builds (line 5)',
    ],
    [
      'drift: { schedule: "rate(1 day)", concurrency: "2" }',
      'pipelines/dev.yaml: drift.concurrency: must be a whole number of builds; found string "2" (line 5)',
    ],
    [
      'drift: { schedule: "rate(1 day)", concurency: 2 }',
      'pipelines/dev.yaml: drift.concurency: unknown key (did you mean "concurrency"?); allowed here: schedule, concurrency (line 5)',
    ],
  ])('refuses %s', (yaml, message) => {
    expect(problemsOf(yaml)).toEqual([message]);
  });
});

describe('notifications', () => {
  test('is absent unless set; a valid Slack channel is kept as written', () => {
    expect(devWith('')?.notifications).toBeUndefined();
    expect(
      devWith('notifications: { slack: { workspaceId: T0123ABCD, channelId: C0123ABCDEF } }')?.notifications,
    ).toEqual({ slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCDEF' } });
    expect(
      devWith('notifications: { slack: { workspaceId: E0123ABCD, channelId: G0123ABCD } }')?.notifications,
    ).toEqual({ slack: { workspaceId: 'E0123ABCD', channelId: 'G0123ABCD' } });
  });

  const workspace =
    '"T" (or "E") and 6-20 uppercase letters or digits, as shown in the AWS Chatbot console (line 5)';
  const channel =
    '"C" (public) or "G" (private) and 6-20 uppercase letters or digits (channel details in Slack) (line 5)';
  test.each([
    ...['t0123abcd', 'X0123ABCD', 'T01', 'T0123ABCD-1', 'xT0123ABCD'].map((id): [string, string[]] => [
      `workspaceId: ${id}, channelId: C0123ABCDEF`,
      [
        `pipelines/dev.yaml: notifications.slack.workspaceId: "${id}" is not a Slack workspace ID: ${workspace}`,
      ],
    ]),
    ...['C0123ABCDEF-1', 'xC0123ABCDEF', '#releases', 'D0123ABCD'].map((id): [string, string[]] => [
      `workspaceId: T0123ABCD, channelId: ${JSON.stringify(id)}`,
      [`pipelines/dev.yaml: notifications.slack.channelId: "${id}" is not a Slack channel ID: ${channel}`],
    ]),
    [
      'workspaceId: T0123ABCD, channelId: 12345678',
      [
        'pipelines/dev.yaml: notifications.slack.channelId: must be the Slack channel ID as a string, such as "C0123ABCDEF"; found the unquoted number 12345678 (line 5)',
      ],
    ],
    [
      'channelId: C0123ABCDEF',
      [
        'pipelines/dev.yaml: notifications.slack.workspaceId: is required (the Slack workspace ID, such as "T0123ABCD") (line 5)',
      ],
    ],
    [
      'workspaceId: T0123ABCD',
      [
        'pipelines/dev.yaml: notifications.slack.channelId: is required (the Slack channel ID, such as "C0123ABCDEF") (line 5)',
      ],
    ],
  ])('refuses slack { %s }', (fields, messages) => {
    expect(problemsOf(`notifications: { slack: { ${fields} } }`)).toEqual(messages);
  });

  test('refuses a slack value that is not a mapping', () => {
    expect(problemsOf('notifications: { slack: C0123ABCDEF }')).toEqual([
      'pipelines/dev.yaml: notifications.slack: must be a mapping { workspaceId, channelId }; found string "C0123ABCDEF" (line 5)',
    ]);
  });

  test('refuses an unknown chat service and a missing slack block', () => {
    expect(problemsOf('notifications: { teams: { channelId: C0123ABCDEF } }')).toEqual([
      'pipelines/dev.yaml: notifications.slack: is required (a mapping { workspaceId, channelId } of the Slack channel) (line 5)',
      'pipelines/dev.yaml: notifications.teams: unknown key; allowed here: slack (line 5)',
    ]);
  });
});
