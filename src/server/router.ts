// Which service (and so which codec) a request is for: the SigV4 credential scope names it; else
// X-Amz-Target (JSON services), the path prefix (rest-json), or a form body/Action (query).

import { getService, isServiceName, SERVICE_NAMES, type ServiceName } from '../model/services';
import { JsonRpcCodec } from './codecs/json-rpc';
import { QueryXmlCodec } from './codecs/query-xml';
import { RestJsonCodec } from './codecs/rest-json';
import { credentialScope } from './sigv4';
import type { Codec, WireRequest } from './wire';

export interface Routed {
  codec: Codec;
  /** Region from the credential scope, when the request is signed. */
  region?: string;
}

function codecFor(service: ServiceName): Codec {
  switch (getService(service).metadata.protocol) {
    case 'rest-json':
      return new RestJsonCodec(service);
    case 'json':
      return new JsonRpcCodec(service);
    case 'query':
      return new QueryXmlCodec(service);
    default:
      throw new Error(`no wire codec for ${service}'s protocol ${getService(service).metadata.protocol}`);
  }
}

/** First path segment of every operation of a rest-json service, e.g. `v20190125`. */
function pathPrefixes(service: ServiceName): string[] {
  return [...new Set(Object.values(getService(service).operations).map((op) => op.http.requestUri.split('/')[1]))];
}

export class ServiceRouter {
  private readonly codecs = new Map<ServiceName, Codec>();
  private readonly byPathPrefix = new Map<string, Codec>();
  private readonly jsonCodecs: JsonRpcCodec[] = [];
  private readonly queryCodecs: QueryXmlCodec[] = [];

  constructor(readonly services: readonly ServiceName[] = SERVICE_NAMES) {
    for (const service of services) {
      const codec = codecFor(service);
      this.codecs.set(service, codec);
      if (codec instanceof RestJsonCodec) for (const p of pathPrefixes(service)) this.byPathPrefix.set(p, codec);
      if (codec instanceof JsonRpcCodec) this.jsonCodecs.push(codec);
      if (codec instanceof QueryXmlCodec) this.queryCodecs.push(codec);
    }
  }

  route(req: WireRequest): Routed | undefined {
    const scope = credentialScope(req);
    if (scope && isServiceName(scope.service)) {
      const codec = this.codecs.get(scope.service);
      if (codec) return { codec, region: scope.region };
    }
    const region = scope?.region;
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      const codec = this.jsonCodecs.find((c) => c.ownsTarget(target));
      return codec ? { codec, region } : undefined;
    }
    const prefix = req.rawPath.split('/')[1];
    const rest = prefix ? this.byPathPrefix.get(prefix) : undefined;
    if (rest) return { codec: rest, region };
    // Unsigned form posts or ?Action=: IAM and STS both speak the query protocol; the Version
    // (or, without one, the Action) says which. IAM is the fallback, so its errors name the problem.
    const contentType = String(req.headers['content-type'] ?? '');
    if (this.queryCodecs.length && (contentType.startsWith('application/x-www-form-urlencoded') || req.query.has('Action'))) {
      const form = new URLSearchParams(`${req.rawQuery}&${req.method === 'POST' ? req.body.toString('utf8') : ''}`);
      const version = form.get('Version');
      const action = form.get('Action') ?? '';
      const codec = this.queryCodecs.find((c) => (version ? getService(c.service).metadata.apiVersion === version : Object.hasOwn(getService(c.service).operations, action)))
        ?? this.queryCodecs.find((c) => c.service === 'iam') ?? this.queryCodecs[0];
      return { codec, region };
    }
    return undefined;
  }
}
