'use strict';
// The one place ajv is configured; the build step and the runtime fallback both use it, so a
// precompiled validator and a freshly compiled one behave the same.

const Ajv = require('ajv').default;

const ANNOTATIONS = ['x-aws-shape', 'x-aws-union', 'x-exactly-one', 'x-at-most-one'];

function createAjv(extra = {}) {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, verbose: true, ...extra });
  ajv.addVocabulary(ANNOTATIONS);
  return ajv;
}

module.exports = { createAjv };
