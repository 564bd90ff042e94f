// `awsmesh <service> <operation> …` for appmesh, iam and servicediscovery: every operation in
// the generated table, run through one path — parse flags, merge --cli-input-*, validate, call
// the backend (with pagination), print.

import type { Command } from 'commander';
import { checkInput, checkPagingArgs } from '../../core/dispatcher';
import { ParamError, UsageError } from '../../base/errors';
import { findOperationByCli, getService, type ServiceName } from '../../model/services';
import type { OperationDefinition } from '../../model/types';
import { checkQuery } from '../../output/query';
import type { App } from '../../core/app';
import { invalidChoice, operationHelp, serviceHelp } from '../help';
import { loadCliInput, mergeInput } from '../params/cli-input';
import { parseFlagValue } from '../params/flag-values';
import { missingRequired, parseOperationArgs } from '../params/operation-args';
import type { CommandModule } from './command-module';

export function forService(service: ServiceName): CommandModule {
  return {
    register(parent: Command, app: () => App): void {
      parent
        .command(service)
        .description(`${service} operations`)
        .helpOption(false)
        .argument('[operation]')
        .argument('[args...]')
        .allowUnknownOption()
        .allowExcessArguments()
        .action(async (operation: string | undefined, args: string[]) => {
          await runServiceCommand(app(), service, operation, args);
        });
    },
  };
}

/** `awsmesh <service> <operation> [args]` once the global options are taken out. */
export async function runServiceCommand(app: App, service: ServiceName, cliName: string | undefined, args: string[]): Promise<void> {
  if (cliName === undefined) throw new UsageError('the following arguments are required: operation');
  if (cliName === 'help' || cliName === '--help' || cliName === '-h') {
    app.io.stdout.write(serviceHelp(service));
    return;
  }
  const op = findOperationByCli(service, cliName);
  if (!op) throw invalidOperation(service, cliName);
  await runOperation(app, service, op, args);
}

function invalidOperation(service: ServiceName, name: string): UsageError {
  return invalidChoice('operation', Object.values(getService(service).operations).map((o) => o.cli).sort(), name);
}

function integerFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new ParamError(`Error parsing parameter '${flag}': expected a positive integer, received '${value}'`);
  }
  return Number(value);
}

async function runOperation(app: App, service: ServiceName, op: OperationDefinition, tokens: string[]): Promise<void> {
  const parsed = parseOperationArgs(op, tokens);
  if (parsed.help) {
    app.io.stdout.write(operationHelp(service, op));
    return;
  }
  if (parsed.skeleton) {
    printSkeleton(app, service, op, parsed.skeleton);
    return;
  }
  const usesCliInput = parsed.cliInputJson !== undefined || parsed.cliInputYaml !== undefined;
  if (!usesCliInput) {
    const missing = missingRequired(op, parsed.values);
    if (missing.length) throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);
  }
  checkQuery(app.globals.query);
  app.outputFormat();

  const paging = {
    paginate: app.globals.paginate !== false,
    maxItems: integerFlag('--max-items', parsed.maxItems),
    pageSize: integerFlag('--page-size', parsed.pageSize),
    startingToken: parsed.startingToken,
  };
  checkPagingArgs(paging, parsed.pagingFlags);

  const cwd = app.io.cwd;
  const cliInput = loadCliInput(parsed.cliInputJson, parsed.cliInputYaml, cwd);
  const fromFlags: Record<string, unknown> = {};
  for (const p of op.params) {
    const raw = parsed.values.get(p.member);
    if (raw !== undefined) fromFlags[p.member] = parseFlagValue(service, op.input!, p, raw, cwd);
  }
  const { input, origins } = mergeInput(fromFlags, cliInput);

  // Checked before a backend opens: bad input changes nothing (not even an empty state file).
  checkInput(service, op.name, input, origins);
  const api = await app.dispatcher();
  app.debug(`Calling ${service}.${op.name} on the ${api.backend.kind} backend in ${api.region} with ${JSON.stringify(input)}`);
  const { output, pages, paged } = await api.paginate(service, op.name, input, paging, { trusted: true });
  app.print(output, { service, operation: op, pages, paged });
}

function printSkeleton(app: App, service: ServiceName, op: OperationDefinition, kind: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const skeleton = require('../skeleton') as typeof import('../skeleton');
  if (kind === 'yaml-input') {
    app.io.stdout.write(skeleton.yamlInputSkeleton(service, op));
  } else if (kind === 'output') {
    app.print(skeleton.outputSkeleton(service, op), { service, operation: op });
  } else {
    app.io.stdout.write(`${JSON.stringify(skeleton.inputSkeleton(service, op), null, 4)}\n`);
  }
}
