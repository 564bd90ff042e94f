// Which endpoint a service call goes to, resolved the way the AWS CLI (>= 2.13) and SDKs do
// (sdkref "Service-specific endpoints"): --endpoint-url > AWS_ENDPOINT_URL_<SERVICE> >
// AWS_ENDPOINT_URL > `[services x]` section of the profile > the profile's endpoint_url.
// No configured endpoint means AWS's own endpoint, which the SDK works out from the region.

import { loadConfigSection, type ProfileSettings } from '../../base/aws-config';
import { GeneralError, ParamError } from '../../base/errors';
import type { ServiceName } from '../../model/services';

/** A service's identifier in environment variable names and in `[services]` sections. */
export const ENDPOINT_IDS: Record<ServiceName, { env: string; key: string }> = {
  appmesh: { env: 'APP_MESH', key: 'app_mesh' },
  iam: { env: 'IAM', key: 'iam' },
  servicediscovery: { env: 'SERVICEDISCOVERY', key: 'servicediscovery' },
  sts: { env: 'STS', key: 'sts' },
};

export interface ResolvedEndpoint {
  url: string;
  /** Where the URL came from, for --debug and error messages. */
  source: string;
}

export interface EndpointSettings {
  endpointUrl?: string;
  env: NodeJS.ProcessEnv;
  profile: ProfileSettings;
}

/**
 * Checks an endpoint URL as the AWS CLI does: no scheme is a parameter error (252) with the CLI's
 * exact text; a scheme other than http(s) or no host is botocore's "Invalid endpoint" (255).
 */
export function checkEndpointUrl(value: string, source = '--endpoint-url'): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
    throw new ParamError(
      `Bad value for ${source} "${value}": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GeneralError(`Invalid endpoint: ${value}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new GeneralError(`Invalid endpoint: ${value}`);
  }
  return value;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v.toLowerCase() === 'true';
}

/** The endpoint configured for one service, or undefined for AWS's own endpoint. */
export function resolveEndpoint(service: ServiceName, s: EndpointSettings): ResolvedEndpoint | undefined {
  if (s.endpointUrl !== undefined) return { url: checkEndpointUrl(s.endpointUrl), source: '--endpoint-url' };
  const ignore = s.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? s.profile.values.ignore_configured_endpoint_urls;
  if (truthy(ignore)) return undefined;

  const id = ENDPOINT_IDS[service];
  const candidates: Array<[string, string | undefined]> = [
    [`AWS_ENDPOINT_URL_${id.env}`, s.env[`AWS_ENDPOINT_URL_${id.env}`]],
    ['AWS_ENDPOINT_URL', s.env.AWS_ENDPOINT_URL],
  ];
  const servicesName = s.profile.values.services;
  if (servicesName) {
    const section = loadConfigSection(`services ${servicesName}`, s.env);
    candidates.push([`[services ${servicesName}] ${id.key}.endpoint_url`, section?.[`${id.key}.endpoint_url`]]);
  }
  candidates.push([`endpoint_url of profile ${s.profile.name}`, s.profile.values.endpoint_url]);

  for (const [source, url] of candidates) {
    if (url) return { url: checkEndpointUrl(url, source), source };
  }
  return undefined;
}
