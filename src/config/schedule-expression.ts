/**
 * EventBridge Scheduler schedule expressions, checked the way the service documents them:
 * - `rate(<value> <unit>)`: a whole number >= 1 and `minute`/`hour`/`day` (singular for 1) or `minutes`/`hours`/
 *   `days` (plural above 1);
 * - `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`: six fields, exactly one of day-of-month
 *   and day-of-week is `?`;
 * - `at(<yyyy-mm-ddThh:mm:ss>)`: one run at a real date and time.
 * Pure: returns the problem in one sentence, or undefined when the expression is valid.
 */

const FORMS =
  'use rate(<value> <minute|minutes|hour|hours|day|days>), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) or at(<yyyy-mm-ddThh:mm:ss>)';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted for the numbers min..max, in order (months, weekdays). */
  readonly names?: readonly string[];
  /** Whether `?` is allowed (day-of-month, day-of-week). */
  readonly question?: boolean;
  /** Extra single tokens this field accepts (L, LW, nW, nL, n#k), checked by `special`. */
  readonly special?: (token: string) => boolean;
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  {
    name: 'day-of-month',
    min: 1,
    max: 31,
    question: true,
    special: (t) => t === 'L' || t === 'LW' || /^([1-9]|[12]\d|3[01])W$/.test(t),
  },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: DAYS,
    question: true,
    special: (t) => t === 'L' || /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)L$/.test(t) || /^[1-7]#[1-5]$/.test(t),
  },
  { name: 'year', min: 1970, max: 2199 },
];

function numberOf(token: string, field: CronField): number | undefined {
  if (/^\d{1,4}$/.test(token)) return Number(token);
  const index = field.names?.indexOf(token) ?? -1;
  return index >= 0 ? field.min + index : undefined;
}

function inRange(token: string, field: CronField): boolean {
  const value = numberOf(token, field);
  return value !== undefined && value >= field.min && value <= field.max;
}

/** One comma-separated part of a cron field: `*`, `n`, `n-m`, `*`/`n`/`n-m` with `/step`, or a special token. */
function partProblem(part: string, field: CronField): boolean {
  if (field.special?.(part) === true) return false;
  const [base = '', step, ...more] = part.split('/');
  if (more.length > 0) return true;
  if (step !== undefined && !(/^\d{1,4}$/.test(step) && Number(step) >= 1 && Number(step) <= field.max))
    return true;
  if (base === '*') return false;
  const [from = '', to, ...rest] = base.split('-');
  if (rest.length > 0 || !inRange(from, field)) return true;
  return to !== undefined && !inRange(to, field);
}

function cronProblem(body: string, expression: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `${expression}: a cron expression has six fields (minutes hours day-of-month month day-of-week year); found ${fields.length}`;
  }
  for (const [i, field] of CRON_FIELDS.entries()) {
    const value = fields[i] as string;
    if (value === '?') {
      if (field.question === true) continue;
      return `${expression}: "?" is allowed only in day-of-month and day-of-week, not in ${field.name}`;
    }
    if (value.split(',').some((part) => part === '' || partProblem(part, field))) {
      const names = field.names === undefined ? '' : ` or ${field.names[0]}-${field.names.at(-1)}`;
      return `${expression}: ${field.name} "${value}" is not valid (${field.min}-${field.max}${names}, with , - * /${field.question === true ? ' ?' : ''}${field.special === undefined ? '' : ' L' + (field.name === 'day-of-week' ? ' #' : ' W')})`;
    }
  }
  const questions = [fields[2], fields[4]].filter((f) => f === '?').length;
  if (questions !== 1) {
    return `${expression}: exactly one of day-of-month and day-of-week must be "?" (e.g. cron(0 6 * * ? *) or cron(0 6 ? * MON-FRI *))`;
  }
  return undefined;
}

function rateProblem(body: string, expression: string): string | undefined {
  const match = /^(\S+) (\S+)$/.exec(body);
  if (match === null)
    return `${expression}: a rate is rate(<value> <unit>), e.g. rate(1 day) or rate(12 hours)`;
  const [, value = '', unit = ''] = match;
  if (!/^[1-9]\d{0,8}$/.test(value)) {
    return `${expression}: the rate value must be a whole number of at least 1; found "${value}"`;
  }
  const singular = ['minute', 'hour', 'day'];
  const plural = ['minutes', 'hours', 'days'];
  if (!singular.includes(unit) && !plural.includes(unit)) {
    return `${expression}: the rate unit must be minute(s), hour(s) or day(s); found "${unit}"`;
  }
  if (value === '1' && plural.includes(unit)) {
    return `${expression}: a rate of 1 takes the singular unit (rate(1 ${unit.slice(0, -1)}))`;
  }
  if (value !== '1' && singular.includes(unit)) {
    return `${expression}: a rate above 1 takes the plural unit (rate(${value} ${unit}s))`;
  }
  return undefined;
}

function atProblem(body: string, expression: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (match === null)
    return `${expression}: a one-time schedule is at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T06:00:00)`;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  // A date that does not exist (31 April, 29 February of a common year, hour 24) rolls over into another one,
  // and so does a year below 100 (Date.UTC reads it as 19xx).
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
  const real = date.toISOString().slice(0, 19) === body;
  return real ? undefined : `${expression}: ${body} is not a real date and time`;
}

/** The problem with an EventBridge Scheduler expression, or undefined when it is valid. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const match = /^(rate|cron|at)\((.*)\)$/.exec(expression);
  if (match === null) return `${JSON.stringify(expression)} is not a schedule expression: ${FORMS}`;
  const [, form, body = ''] = match;
  const shown = JSON.stringify(expression);
  if (form === 'rate') return rateProblem(body, shown);
  if (form === 'cron') return cronProblem(body, shown);
  return atProblem(body, shown);
}
