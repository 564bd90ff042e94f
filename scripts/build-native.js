#!/usr/bin/env node
// Builds the optional native addon (native/original-dst: SO_ORIGINAL_DST for `local up --netns`'s TCP
// virtual services) with node-gyp, at `npm install` / `npm ci`. Optional: when it cannot be built
// (no compiler, not Linux) the install goes on and only that feature is off, with this message and
// the same one from the proxy when a TCP virtual service is called by address.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..', 'native', 'original-dst');
const skip = (why) => {
  process.stderr.write(`awsmesh: not building the SO_ORIGINAL_DST addon (${why}); local up --netns will route HTTP by name but not TCP virtual services by address\n`);
  process.exit(0);
};
if (process.platform !== 'linux') skip(`${process.platform} has no SO_ORIGINAL_DST`);
// npm gives lifecycle scripts its bundled node-gyp; run directly, look for it next to npm.
const gyp = process.env.npm_config_node_gyp
  || [path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find((f) => fs.existsSync(f));
if (!gyp) skip('node-gyp not found');
const args = [gyp, 'rebuild', '--loglevel=warn'];
// Headers of the running Node, when it has them: node-gyp would otherwise download them.
const prefix = path.join(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) skip(`node-gyp failed${r.error ? `: ${r.error.message}` : ''}`);
