/**
 * zod/mini carries no message catalogue (that is what keeps it small): what each kind of schema issue means, said
 * from the issue itself, with where it is.
 */
export interface SchemaIssue {
  code: string;
  message: string;
  path: PropertyKey[];
  [detail: string]: unknown;
}

export function describeIssue(issue: SchemaIssue): string {
  if (issue.message && issue.message !== 'Invalid input') return issue.message;
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `expected ${String(issue.expected)}`;
    case 'too_small':
      return `too short (at least ${String(issue.minimum)})`;
    case 'too_big':
      return `too long (at most ${String(issue.maximum)})`;
    case 'invalid_format':
      return `not a valid ${String(issue.format)}`;
    case 'unrecognized_keys':
      return 'unknown field';
    case 'invalid_union':
      return 'expected a string or a list of strings (or another allowed shape)';
    default:
      return issue.message;
  }
}

/** Where the issue is, as a path (an unknown field names itself). */
export function issuePath(issue: SchemaIssue): (string | number)[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const keys = issue.keys as string[] | undefined;
  if (issue.code === 'unrecognized_keys' && keys?.[0]) path.push(keys[0]);
  return path;
}

/** Every issue as `path: what is wrong`, one after another. */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues
    .map((issue) => {
      const path = issuePath(issue);
      return `${path.length ? `${path.join('.')}: ` : ''}${describeIssue(issue)}`;
    })
    .join('; ');
}
