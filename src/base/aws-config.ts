// AWS shared config files (~/.aws/config, ~/.aws/credentials) read the way the AWS CLI reads them,
// for the settings awsmesh resolves itself (region, output, endpoint_url, profile existence).
// Credentials for the aws backend are resolved by the SDK's default chain.

import { readFileSync } from 'fs';
import { join } from 'path';
import { GeneralError } from './errors';

export type IniSections = Record<string, Record<string, string>>;

/** Minimal INI reader for AWS config files: `[section]`, `key = value`, indented sub-keys, comments. */
export function parseIni(text: string, file: string): IniSections {
  const sections: IniSections = {};
  let current: Record<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s[#;].*$/, '');
    if (!line.trim() || /^\s*[#;]/.test(line)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = sections[header[1].trim()] ??= {};
      lastKey = undefined;
      continue;
    }
    if (!current) throw new GeneralError(`Unable to parse config file: ${file}`);
    const kv = /^(\s*)([^=\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (kv) {
      const indented = kv[1].length > 0 && lastKey !== undefined;
      const key = indented ? `${lastKey}.${kv[2].trim()}` : kv[2].trim();
      current[key] = kv[3].trim();
      if (!indented) lastKey = key;
      continue;
    }
    if (/^\s+\S/.test(line) && lastKey !== undefined) continue; // continuation of a nested block
    throw new GeneralError(`Unable to parse config file: ${file}`);
  }
  return sections;
}

/** The user's home: $HOME, else the password database's (node:os loads only then: it is not free at start). */
export function userHome(env: NodeJS.ProcessEnv): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return env.HOME || (require('os') as typeof import('os')).homedir();
}

export function configFilePath(env: NodeJS.ProcessEnv): string {
  return env.AWS_CONFIG_FILE || join(userHome(env), '.aws', 'config');
}

export function credentialsFilePath(env: NodeJS.ProcessEnv): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(userHome(env), '.aws', 'credentials');
}

function readIni(file: string): IniSections {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  return parseIni(text, file);
}

export interface ProfileSettings {
  name: string;
  /** Whether the profile appears in either file (the default profile always "exists"). */
  exists: boolean;
  /** Merged settings: config file `[profile x]` (or `[default]`) overlaid with credentials file `[x]`. */
  values: Record<string, string>;
}

/** The active profile: --profile > AWS_PROFILE > AWS_DEFAULT_PROFILE > default. */
export function activeProfileName(flag: string | undefined, env: NodeJS.ProcessEnv): { name: string; explicit: boolean } {
  const name = flag || env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  return name ? { name, explicit: true } : { name: 'default', explicit: false };
}

export function loadProfile(name: string, env: NodeJS.ProcessEnv): ProfileSettings {
  const config = readIni(configFilePath(env));
  const creds = readIni(credentialsFilePath(env));
  const fromConfig = name === 'default' ? config.default ?? config['profile default'] : config[`profile ${name}`];
  const fromCreds = creds[name];
  return {
    name,
    exists: name === 'default' || Boolean(fromConfig || fromCreds),
    values: { ...(fromConfig ?? {}), ...(fromCreds ?? {}) },
  };
}

/** Raises the AWS CLI's error for a profile named explicitly that exists nowhere (exit 255). */
export function requireProfile(profile: ProfileSettings): void {
  if (!profile.exists) throw new GeneralError(`The config profile (${profile.name}) could not be found`);
}

const REGION_FORMAT = /^[a-z0-9-]+$/;

/** --region > AWS_REGION > AWS_DEFAULT_REGION > profile region. */
export function resolveRegion(flag: string | undefined, env: NodeJS.ProcessEnv, profile: ProfileSettings): string | undefined {
  const region = flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || profile.values.region;
  if (region !== undefined && !REGION_FORMAT.test(region)) {
    throw new GeneralError(`Provided region_name '${region}' doesn't match a supported format.`);
  }
  return region || undefined;
}

/** --output > AWS_DEFAULT_OUTPUT > profile output > json. */
export function resolveOutputName(flag: string | undefined, env: NodeJS.ProcessEnv, profile: ProfileSettings): string {
  return flag || env.AWS_DEFAULT_OUTPUT || profile.values.output || 'json';
}

/** A section of the config file other than a profile, e.g. `[services my-endpoints]` (nested keys as `app_mesh.endpoint_url`). */
export function loadConfigSection(header: string, env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  return readIni(configFilePath(env))[header];
}
