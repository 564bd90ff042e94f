// CloudFormation's YAML short forms (`!Ref X`, `!Sub '…'`, `!If [c, a, b]`) for the `yaml` package:
// each becomes the long form's JSON (`{"Fn::If": [c, a, b]}`), and a tagged list or mapping stays a
// YAML collection so source lines are known inside it (source-map.ts reads the tag back).

const INTRINSIC_TAGS = [
  'Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Select', 'Split', 'ImportValue', 'FindInMap', 'Equals', 'Not', 'And', 'Or',
  'Condition', 'Base64', 'GetAZs', 'Cidr', 'Length', 'ToJsonString', 'Transform',
];

function intrinsicKey(tag: string): string {
  return tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`;
}

/** `!Sub` → `Fn::Sub` (the long form's key of a short-form tag), or undefined for other tags. */
export function intrinsicOfTag(tag: string | undefined): string | undefined {
  const t = tag?.startsWith('!') ? tag.slice(1) : undefined;
  return t && INTRINSIC_TAGS.includes(t) ? intrinsicKey(t) : undefined;
}

let tagsCache: unknown[] | undefined;

/**
 * The `yaml` package's customTags for CloudFormation's short forms: `!Ref X` → `{Ref: X}`, and a
 * tagged list or mapping stays a YAML collection (so source lines are known inside it) whose JS
 * value is wrapped: `!If [c, a, b]` → `{"Fn::If": [c, a, b]}`.
 */
export function cfnYamlTags(): unknown[] {
  if (tagsCache) return tagsCache;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { YAMLMap, YAMLSeq } = require('yaml') as typeof import('yaml');
  const tags: unknown[] = [];
  for (const t of INTRINSIC_TAGS) {
    const key = intrinsicKey(t);
    tags.push({
      tag: `!${t}`,
      resolve: (s: string) => {
        if (t !== 'GetAtt') return { [key]: s };
        const dot = s.indexOf('.');
        return { [key]: dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)] };
      },
    });
    // The JS value of the collection, wrapped in the intrinsic's key (toJSON is what toJS calls).
    class Seq extends YAMLSeq {
      // @ts-expect-error the wrapper is an object, not the list the base class returns
      toJSON(...args: Parameters<InstanceType<typeof YAMLSeq>['toJSON']>): unknown {
        return { [key]: super.toJSON(...args) };
      }
    }
    class Map extends YAMLMap {
      toJSON(...args: Parameters<InstanceType<typeof YAMLMap>['toJSON']>): unknown {
        return { [key]: super.toJSON(...args) };
      }
    }
    tags.push({ tag: `!${t}`, collection: 'seq', nodeClass: Seq, resolve: (n: unknown) => n });
    tags.push({ tag: `!${t}`, collection: 'map', nodeClass: Map, resolve: (n: unknown) => n });
  }
  tagsCache = tags;
  return tags;
}
