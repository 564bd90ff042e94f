// Just enough CloudFormation to turn the App Mesh examples' templates into Create* inputs:
// short-form tags (!Ref, !Sub, !GetAtt, !If, !Equals, !Not), parameters with defaults,
// conditions, AWS::NoValue, and CloudFormation's PascalCase properties in the API's camelCase.

import * as fs from 'fs';
import * as YAML from 'yaml';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const TAGS = ['Ref', 'Sub', 'GetAtt', 'If', 'Equals', 'Not', 'And', 'Or', 'Join', 'Select'];

function customTags(): YAML.Tags {
  const tags: YAML.Tags = [];
  for (const name of TAGS) {
    const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
    tags.push({ tag: `!${name}`, resolve: (v: unknown) => ({ [key]: name === 'GetAtt' && typeof v === 'string' ? v.split('.') : v }) } as YAML.ScalarTag);
    tags.push({ tag: `!${name}`, collection: 'seq', resolve: (v: YAML.YAMLSeq) => ({ [key]: v.toJSON() }) } as unknown as YAML.CollectionTag);
  }
  return tags;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** `TLS` → `tls`, `CertificateAuthorityArns` → `certificateAuthorityArns`, `DNS` → `dns`. */
function camel(key: string): string {
  return /^[A-Z0-9]+$/.test(key) ? key.toLowerCase() : key[0].toLowerCase() + key.slice(1);
}

export interface AppMeshInput {
  type: string;
  /** Create<Kind> input, names and spec in the API's shape. */
  input: Record<string, unknown>;
}

export function renderCfn(file: string, parameters: Record<string, string | number>): AppMeshInput[] {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'), { customTags: customTags() }) as Json;
  const params: Record<string, unknown> = {};
  for (const [name, def] of Object.entries<Json>(doc.Parameters ?? {})) {
    const v = parameters[name] ?? def.Default;
    if (v === undefined) throw new Error(`${file}: parameter ${name} has no value`);
    params[name] = def.Type === 'Number' ? Number(v) : String(v);
  }
  const resources = doc.Resources as Record<string, { Type: string; Properties: Json }>;
  const conditions: Record<string, boolean> = {};

  const resolve = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(resolve).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = v[k];
      switch (k) {
        case 'Ref':
          if (arg === 'AWS::NoValue') return NO_VALUE;
          if (arg in params) return params[arg];
          throw new Error(`Ref ${arg}: not a parameter`);
        case 'Condition':
          return conditions[arg];
        case 'Fn::GetAtt': {
          const [res, attr] = arg as [string, string];
          return resolve(resources[res].Properties[attr]);
        }
        case 'Fn::Sub':
          return String(arg).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            if (name in params) return String(params[name]);
            const [res, attr] = name.split('.');
            return String(resolve(resources[res].Properties[attr]));
          });
        case 'Fn::If':
          return resolve(conditions[arg[0]] ? arg[1] : arg[2]);
        case 'Fn::Equals':
          return resolve(arg[0]) === resolve(arg[1]);
        case 'Fn::Not':
          return !resolve(arg[0]);
        default:
          break;
      }
    }
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      const r = resolve(x);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  };
  for (const [name, c] of Object.entries<Json>(doc.Conditions ?? {})) conditions[name] = Boolean(resolve(c));

  const toApi = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(toApi);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), toApi(x)]));
  };
  const out: AppMeshInput[] = [];
  for (const r of Object.values(resources)) {
    if (!r.Type.startsWith('AWS::AppMesh::')) continue;
    out.push({ type: r.Type.slice('AWS::AppMesh::'.length), input: toApi(resolve(r.Properties)) });
  }
  return out;
}

/** Creation order that satisfies references: mesh, nodes, routers, routes, services, gateways, gateway routes. */
export const CREATE_ORDER = ['Mesh', 'VirtualNode', 'VirtualRouter', 'Route', 'VirtualService', 'VirtualGateway', 'GatewayRoute'];
