#!/usr/bin/env node
'use strict';
// Precompiles every schema in schemas/<service>/ into a standalone ajv validator under
// dist/validators/, so a CLI call loads plain code instead of compiling its schema at start-up
// (compiling create-virtual-node's schema alone takes ~50 ms).

const fs = require('fs');
const path = require('path');
const { createAjv } = require('./ajv-options');
const standaloneCode = require('ajv/dist/standalone').default;
const { SERVICES } = require('./gen');

const ROOT = path.resolve(__dirname, '..');

let count = 0;
for (const { name: svc } of SERVICES) {
  const outDir = path.join(ROOT, 'dist', 'validators', svc);
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of fs.readdirSync(path.join(ROOT, 'schemas', svc))) {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', svc, file), 'utf8'));
    const ajv = createAjv({ code: { source: true } });
    const validate = ajv.compile(schema);
    fs.writeFileSync(path.join(outDir, file.replace(/\.json$/, '.js')), standaloneCode(ajv, validate));
    count++;
  }
}
console.log(`build-validators: ${count} validators`);
