/** Synthesised CloudFormation is untyped JSON; tests read it through this one alias. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON has no static type.
export type CfnJson = any;

/**
 * Turns a CloudFormation value that is a string with references in it (Fn::Join) into that string, each reference
 * written as `<Ref:Id>` or `<GetAtt:Id.Attribute>`, so JSON built by CDK can be parsed and asserted field by field.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, CfnJson>;
    if ('Fn::Join' in v) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
    if ('Ref' in v) return `<Ref:${v.Ref}>`;
    if ('Fn::GetAtt' in v) return `<GetAtt:${v['Fn::GetAtt'].join('.')}>`;
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** A reference placeholder inside a JSON string is itself JSON-escaped text; parse after flattening. */
export function parseFlattened<T = CfnJson>(value: unknown): T {
  return JSON.parse(flatten(value)) as T;
}
