#!/usr/bin/env node
'use strict';
// Extracts the published schemas `awsmesh migrate --check` validates against from pinned upstream
// files into schemas/vendor/ (see schemas/vendor/README.md for the sources and why each is kept),
// and those the deployment manifests under deploy/ are tested against (ECS, Kubernetes).
//
//   node scripts/vendor-migrate-schemas.js --upstream DIR          write schemas/vendor/**
//   node scripts/vendor-migrate-schemas.js --upstream DIR --check  fail when a vendored file differs
//
// DIR holds the upstream files under <owner>/<repo>/<path> as they are at the pinned commit
// (e.g. `git -C gateway-api show v1.6.1:config/crd/standard/…`). Every input's git blob id is
// checked against the one recorded below before anything is extracted, so the output can only
// come from the pinned bytes. The extraction is deterministic:
//   - CRDs: the listed versions' `openAPIV3Schema`, with the `description` texts removed (they are
//     most of the size and do not validate anything); every other keyword is kept as published.
//   - botocore models: `version`, `metadata`, the listed operations and the shapes they reach,
//     without `documentation`; shapes are otherwise as published.
//   - Kubernetes' OpenAPI (swagger 2.0): the listed definitions and every definition they reach,
//     with the `description` texts removed; otherwise as published.
//   - files marked `copy`: byte for byte.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { closure } = require('./gen');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'schemas', 'vendor');

const GATEWAY_API = { repo: 'kubernetes-sigs/gateway-api', ref: 'v1.6.1', commit: '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3', licence: 'Apache-2.0' };
const ISTIO = { repo: 'istio/api', ref: '1.30.3', commit: '2e43f07b30b6744bc8252fce39fb58b03f85ff8b', licence: 'Apache-2.0' };
const LATTICE_CONTROLLER = { repo: 'aws/aws-application-networking-k8s', ref: 'v2.1.3', commit: 'e3fb86ea0573aa299458b9b022c59a364584b6e8', licence: 'Apache-2.0' };
const BOTOCORE = { repo: 'boto/botocore', ref: '1.43.67', commit: 'c10ac1e37a0e37167b11c401dc062313ff89adba', licence: 'Apache-2.0' };
const KUBERNETES_CLIENT = { repo: 'kubernetes-client/python', ref: 'master (KUBERNETES_BRANCH release-1.36, client 36.0.0+snapshot)', commit: '024658493d124f046fc0a9827a2a3165cf2aee28', licence: 'Apache-2.0' };
const CFN_LINT = {
  repo: 'aws-cloudformation/cfn-lint', ref: '5e5cfc1fa0ccfa68ddf062055adfa4c16b71b283 (CloudFormation registry schemas of 2025-10-31)',
  commit: '5e5cfc1fa0ccfa68ddf062055adfa4c16b71b283', licence: 'MIT-0',
};

const gatewayApi = (channel, kind, blob, version = 'v1') => ({
  ...GATEWAY_API,
  path: `config/crd/${channel}/gateway.networking.k8s.io_${kind}.yaml`,
  blob,
  crds: { [`${kind}.gateway.networking.k8s.io`]: { versions: [version], out: `gateway-api/${channel}/${kind}` } },
});

/** Every upstream file, its git blob id at the pinned commit, and what is taken from it. */
const SOURCES = [
  gatewayApi('standard', 'gateways', '6de4376f21fc8d304ac467f089686b84ccc5dbfb'),
  gatewayApi('standard', 'httproutes', '32145881f43cbc528911e5640ee37af75e06d9d7'),
  gatewayApi('standard', 'grpcroutes', '452de9a22e3318fe722410814c753e223bffaefc'),
  gatewayApi('standard', 'tcproutes', 'd6a98aeb3d893881d665834688fa03fb91490428'),
  gatewayApi('standard', 'referencegrants', 'feb92c3727eb9ebc77ae9cedd9dd2add44429184'),
  gatewayApi('experimental', 'gateways', '066f6093e8c0df49e23d6c7498776c2edb678273'),
  gatewayApi('experimental', 'httproutes', '28cc90471fb4fc55299eb533b4b3050069d47ecb'),
  gatewayApi('experimental', 'grpcroutes', '8287ecf0c8d318e46f685ba92752a8e955b23262'),
  gatewayApi('experimental', 'tcproutes', '23515e298f352fc32fee5b5e40ae01a14380a814'),
  gatewayApi('experimental', 'referencegrants', '5428cca0ca329e782faf23250b9adc1351c5c909'),
  {
    ...ISTIO,
    path: 'kubernetes/customresourcedefinitions.gen.yaml',
    blob: '7318e07ffdaca66dbbfdc4e27e93da74eabdd3a2',
    crds: {
      'virtualservices.networking.istio.io': { versions: ['v1'], out: 'istio/virtualservices' },
      'destinationrules.networking.istio.io': { versions: ['v1'], out: 'istio/destinationrules' },
      'gateways.networking.istio.io': { versions: ['v1'], out: 'istio/gateways' },
      'serviceentries.networking.istio.io': { versions: ['v1'], out: 'istio/serviceentries' },
      'peerauthentications.security.istio.io': { versions: ['v1'], out: 'istio/peerauthentications' },
    },
  },
  {
    ...LATTICE_CONTROLLER,
    path: 'config/crds/bases/application-networking.k8s.aws_targetgrouppolicies.yaml',
    blob: 'ab7a0595809ef60f048ea17fe1a36bc1de43924c',
    crds: { 'targetgrouppolicies.application-networking.k8s.aws': { versions: ['v1alpha1'], out: 'aws-gateway-api-controller/targetgrouppolicies' } },
  },
  {
    ...LATTICE_CONTROLLER,
    path: 'config/crds/bases/application-networking.k8s.aws_iamauthpolicies.yaml',
    blob: 'd1ebf2510772580b2dc7cba2d6de24341190d95d',
    crds: { 'iamauthpolicies.application-networking.k8s.aws': { versions: ['v1alpha1'], out: 'aws-gateway-api-controller/iamauthpolicies' } },
  },
  {
    ...BOTOCORE,
    path: 'botocore/data/ecs/2014-11-13/service-2.json',
    blob: '19a203f8f3020a94b049358e93bb0c8204a63778',
    // UpdateService: migrate's ECS target; RegisterTaskDefinition, CreateService: deploy/ecs.
    model: { operations: ['UpdateService', 'RegisterTaskDefinition', 'CreateService'], out: 'botocore/ecs-2014-11-13' },
  },
  {
    ...BOTOCORE,
    path: 'botocore/data/vpc-lattice/2022-11-30/service-2.json',
    blob: '648afc148b50ca01806f4d52c7ad8c626a7aadc7',
    model: {
      operations: ['CreateServiceNetwork', 'CreateService', 'CreateServiceNetworkServiceAssociation', 'CreateTargetGroup',
        'CreateListener', 'CreateRule', 'PutAuthPolicy'],
      out: 'botocore/vpc-lattice-2022-11-30',
    },
  },
  {
    ...CFN_LINT,
    path: 'src/cfnlint/data/schemas/providers/us_east_1/aws-ecs-service.json',
    blob: 'd1a9c49eb20b253339bef25f7d35856c2b577528',
    copy: 'cloudformation/aws-ecs-service.json',
  },
  {
    ...KUBERNETES_CLIENT,
    path: 'kubernetes/swagger.json.unprocessed',
    blob: '67de7f202bb8168699e2faf088ac42cfe467a51e',
    // What deploy/kubernetes declares.
    openapi: {
      definitions: ['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.core.v1.Service', 'io.k8s.api.core.v1.ServiceAccount', 'io.k8s.api.policy.v1.PodDisruptionBudget'],
      out: 'kubernetes/api-v1.36',
    },
  },
];

function gitBlobId(bytes) {
  return crypto.createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Removes `description` texts of a schema, never a property that happens to be named so. */
function stripDescriptions(schema) {
  if (Array.isArray(schema)) return schema.map(stripDescriptions);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' && typeof v === 'string') continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = {};
      for (const [name, sub] of Object.entries(v)) out[k][name] = stripDescriptions(sub);
    } else {
      out[k] = stripDescriptions(v);
    }
  }
  return out;
}

function origin(src) {
  return { repository: src.repo, ref: src.ref, commit: src.commit, path: src.path, gitBlob: src.blob, licence: src.licence };
}

const NOTE = 'Extracted by scripts/vendor-migrate-schemas.js (see schemas/vendor/README.md); do not edit.';

function extractCrds(src, text) {
  const YAML = require('yaml');
  const files = new Map();
  const docs = YAML.parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d && d.kind === 'CustomResourceDefinition');
  for (const [name, want] of Object.entries(src.crds)) {
    const crd = docs.find((d) => d.metadata && d.metadata.name === name);
    if (!crd) throw new Error(`${src.path}: no CustomResourceDefinition ${name}`);
    for (const version of want.versions) {
      const v = crd.spec.versions.find((x) => x.name === version);
      if (!v || !v.schema || !v.schema.openAPIV3Schema) throw new Error(`${src.path}: ${name} has no schema for ${version}`);
      const body = {
        $comment: NOTE,
        source: origin(src),
        group: crd.spec.group,
        kind: crd.spec.names.kind,
        version,
        served: v.served,
        storage: v.storage,
        openAPIV3Schema: stripDescriptions(v.schema.openAPIV3Schema),
      };
      files.set(`${want.out}.${version}.json`, `${JSON.stringify(body, null, 1)}\n`);
    }
  }
  return files;
}

function withoutDocs(obj) {
  if (Array.isArray(obj)) return obj.map(withoutDocs);
  if (!obj || typeof obj !== 'object') return obj;
  const out = {};
  for (const [k, v] of Object.entries(obj)) if (k !== 'documentation' && k !== 'documentationUrl') out[k] = withoutDocs(v);
  return out;
}

function extractModel(src, text) {
  const model = JSON.parse(text);
  const operations = {};
  const roots = [];
  for (const name of src.model.operations) {
    const op = model.operations[name];
    if (!op) throw new Error(`${src.path}: no operation ${name}`);
    operations[name] = withoutDocs(op);
    if (op.input) roots.push(op.input.shape);
  }
  const shapes = {};
  for (const s of closure(model, roots)) shapes[s] = withoutDocs(model.shapes[s]);
  const body = { $comment: NOTE, source: origin(src), version: model.version, metadata: model.metadata, operations, shapes };
  return new Map([[`${src.model.out}.json`, `${JSON.stringify(body, null, 1)}\n`]]);
}

/** The definitions an OpenAPI document's `#/definitions/…` references reach from `roots`. */
function extractOpenApi(src, text) {
  const doc = JSON.parse(text);
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    if (!doc.definitions[name]) throw new Error(`${src.path}: no definition ${name}`);
    seen.add(name);
    JSON.stringify(doc.definitions[name], (k, v) => {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) visit(v.slice('#/definitions/'.length));
      return v;
    });
  };
  src.openapi.definitions.forEach(visit);
  const definitions = {};
  for (const name of [...seen].sort()) definitions[name] = stripDescriptions(doc.definitions[name]);
  const body = { $comment: NOTE, source: origin(src), swagger: doc.swagger, info: doc.info, roots: src.openapi.definitions, definitions };
  return new Map([[`${src.openapi.out}.json`, `${JSON.stringify(body, null, 1)}\n`]]);
}

function render(upstream) {
  const files = new Map();
  for (const src of SOURCES) {
    const file = path.join(upstream, src.repo, src.path);
    const bytes = fs.readFileSync(file);
    const blob = gitBlobId(bytes);
    if (blob !== src.blob) throw new Error(`${file}: git blob ${blob}, expected ${src.blob} (${src.repo} ${src.ref})`);
    const text = bytes.toString('utf8');
    const out = src.copy ? new Map([[src.copy, text]]) : src.crds ? extractCrds(src, text) : src.openapi ? extractOpenApi(src, text) : extractModel(src, text);
    for (const [k, v] of out) files.set(k, v);
  }
  return files;
}

function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--upstream');
  if (at < 0 || !args[at + 1]) {
    console.error('usage: node scripts/vendor-migrate-schemas.js --upstream DIR [--check]');
    process.exit(2);
  }
  const files = render(path.resolve(args[at + 1]));
  const check = args.includes('--check');
  const problems = [];
  for (const [rel, content] of files) {
    const abs = path.join(OUT, rel);
    const current = fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : null;
    if (current === content) continue;
    if (check) problems.push(`${current === null ? 'missing' : 'differs'}: schemas/vendor/${rel}`);
    else {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(`vendor-migrate-schemas: ${files.size} files ${check ? 'match' : 'written'}`);
}

if (require.main === module) main();
module.exports = { SOURCES, gitBlobId };
