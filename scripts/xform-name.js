'use strict';
// The AWS CLI's way of turning model names into command and flag names (botocore's xform_name):
// CreateVirtualNode -> create-virtual-node, ResourceARN -> resource-arn, meshName -> mesh-name.
// Used by the generator, which writes the resulting names into src/generated/ for the runtime.

const SPECIAL_PLURAL = /[A-Z]{2,}s$/;
const FIRST_CAP = /(.)([A-Z][a-z]+)/g;
const END_CAP = /([a-z0-9])([A-Z])/g;

function xformName(name, sep = '-') {
  if (name.includes(sep)) return name;
  let n = name;
  const special = SPECIAL_PLURAL.exec(n);
  if (special) n = `${n.slice(0, -special[0].length)}${sep}${special[0].toLowerCase()}`;
  return n.replace(FIRST_CAP, `$1${sep}$2`).replace(END_CAP, `$1${sep}$2`).toLowerCase();
}

module.exports = { xformName };
