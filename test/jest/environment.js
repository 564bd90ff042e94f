// The suite's test environment: Node's, plus the child-process net of child-processes.js, whose
// end() runs in teardown — after every hook of the file, so tests' own cleanup always comes first.
'use strict';
const { TestEnvironment } = require('jest-environment-node');
const children = require('./child-processes');

class AwsmeshTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    children.begin();
  }

  async teardown() {
    await children.end(require('path').relative(process.cwd(), this.testPath));
    await super.teardown();
  }
}

module.exports = AwsmeshTestEnvironment;
