/**
 * The YAML rule format (see docs/rules.md), validated with zod. zod/mini keeps the Lambda bundle small (about 20 KB
 * instead of 440 KB for the classic API).
 */
import * as z from 'zod/mini';
import { CATEGORIES, SEVERITIES } from '../model.js';

const list = z.pipe(
  z.union([z.string(), z.array(z.string()).check(z.minLength(1))]),
  z.transform((v: string | string[]) => (Array.isArray(v) ? v : [v])),
);
export interface ConditionInput {
  program?: string[];
  path?: string[];
  elevated?: boolean;
  interactive?: boolean;
  via?: string[];
  run_as?: string[];
  origin?: string[];
  flags?: string[];
  flags_all?: string[];
  args?: string[];
  args_all?: string[];
  first_arg?: string[];
  arg_regex?: string;
  text_regex?: string;
  text_contains?: string[];
  max_args?: number;
  min_args?: number;
  redirect_to?: string[];
  files?: string[];
  assigns?: string[];
  pipe_from?: string[];
  pipe_to?: string[];
  url_scheme?: string[];
  url_regex?: string;
  host?: string[];
  port?: number[];
  ioc?: true | string[];
  runs_downloaded?: boolean;
  decoded?: boolean;
  line_regex?: string;
  all?: ConditionInput[];
  any?: ConditionInput[];
  not?: ConditionInput;
}

export const conditionSchema: z.ZodMiniType<ConditionInput, unknown> = z.lazy(() =>
  z
    .strictObject({
      program: z.optional(list),
      path: z.optional(list),
      elevated: z.optional(z.boolean()),
      interactive: z.optional(z.boolean()),
      via: z.optional(list),
      run_as: z.optional(list),
      origin: z.optional(list),
      flags: z.optional(list),
      flags_all: z.optional(list),
      args: z.optional(list),
      args_all: z.optional(list),
      first_arg: z.optional(list),
      arg_regex: z.optional(z.string().check(z.minLength(1))),
      text_regex: z.optional(z.string().check(z.minLength(1))),
      text_contains: z.optional(list),
      max_args: z.optional(z.int().check(z.minimum(0))),
      min_args: z.optional(z.int().check(z.minimum(0))),
      redirect_to: z.optional(list),
      files: z.optional(list),
      assigns: z.optional(list),
      pipe_from: z.optional(list),
      pipe_to: z.optional(list),
      url_scheme: z.optional(list),
      url_regex: z.optional(z.string().check(z.minLength(1))),
      host: z.optional(list),
      port: z.optional(z.array(z.int().check(z.minimum(0), z.maximum(65535))).check(z.minLength(1))),
      ioc: z.optional(z.union([z.literal(true), list])),
      runs_downloaded: z.optional(z.boolean()),
      decoded: z.optional(z.boolean()),
      line_regex: z.optional(z.string().check(z.minLength(1))),
      all: z.optional(z.array(conditionSchema).check(z.minLength(1))),
      any: z.optional(z.array(conditionSchema).check(z.minLength(1))),
      not: z.optional(conditionSchema),
    })
    .check(z.refine((c) => Object.keys(c).length > 0, 'a condition needs at least one field')),
);

const context = z.strictObject({
  principal: z.optional(z.string()),
  instance: z.optional(z.string()),
  account: z.optional(z.string()),
});

const testCase = z.union([
  z.string().check(z.minLength(1)),
  z.strictObject({
    command: z.string().check(z.minLength(1)),
    /** Lines typed earlier in the same session (variables, aliases, downloads). */
    before: z._default(z.array(z.string()), []),
    context: z.optional(context),
    cancelled: z.optional(z.boolean()),
  }),
]);

export const exceptionSchema = z
  .strictObject({
    principal: z.optional(list),
    instance: z.optional(list),
    account: z.optional(list),
    command: z.optional(list),
    comment: z.optional(z.string()),
  })
  .check(
    z.refine(
      (e) => Boolean(e.principal || e.instance || e.account || e.command),
      'an exception needs principal, instance, account or command',
    ),
  );

export const ruleSchema = z.strictObject({
  id: z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$/, 'letters, digits, dot, dash and underscore, 3 to 100 characters'),
    ),
  title: z.string().check(z.minLength(3), z.maxLength(200)),
  description: z.optional(z.string().check(z.maxLength(4000))),
  severity: z.enum(SEVERITIES),
  category: z.enum(CATEGORIES),
  attack: z._default(z.array(z.string()), []),
  attack_version: z.optional(z.enum(['18', '19'])),
  references: z._default(z.array(z.url()), []),
  author: z.optional(z.string()),
  status: z._default(z.enum(['stable', 'test', 'experimental', 'deprecated']), 'experimental'),
  match: conditionSchema,
  exceptions: z._default(z.array(exceptionSchema), []),
  /** Also raise the rule on lines abandoned with Ctrl-C (they never ran). */
  on_cancelled: z._default(z.boolean(), false),
  tests: z._default(
    z.strictObject({
      /** Indicators loaded as the set `test` while the rule's tests run. */
      iocs: z._default(z.array(z.string()), []),
      match: z._default(z.array(testCase), []),
      no_match: z._default(z.array(testCase), []),
    }),
    { iocs: [], match: [], no_match: [] },
  ),
});

export type RuleInput = z.infer<typeof ruleSchema>;
export type TestCaseInput = z.infer<typeof testCase>;
export type ExceptionInput = z.infer<typeof exceptionSchema>;
