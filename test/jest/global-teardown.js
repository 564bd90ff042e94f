// Removes the run's scratch directory made by global-setup.js.
'use strict';
const fs = require('fs');

module.exports = async () => {
  const dir = process.env.AWSMESH_JEST_TMP;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
