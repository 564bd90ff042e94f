// The shape of a command group's module (see registry.ts for how they are loaded and named).

import type { Command } from 'commander';
import type { App } from '../../core/app';

export interface CommandModule {
  register(parent: Command, app: () => App): void;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => CommandModule;
}
