// One scratch directory per test run: TMPDIR points into it, so every temporary home, socket,
// log and child process of the run lands there, and global-teardown.js removes it whole — a
// crashed or forgetful test cannot leave litter in the machine's /tmp.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-jest-'));
  process.env.AWSMESH_JEST_TMP = dir;
  process.env.TMPDIR = dir; // inherited by the workers and by every process a test spawns
};
