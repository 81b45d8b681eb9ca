// Extension tests run inside desktop VS Code by scripts/test-electron.mjs: the extension
// activates, registers its commands and writes its activation line to the log.
const assert = require('node:assert/strict');
const vscode = require('vscode');

exports.run = async function run() {
  const extension = vscode.extensions.getExtension('smolcode.smolcode');
  assert.ok(extension, 'SmolCode is not installed in the test instance');
  await extension.activate();
  assert.equal(extension.isActive, true);
  const commands = await vscode.commands.getCommands(true);
  const contributed = extension.packageJSON.contributes.commands.map((c) => c.command);
  for (const id of contributed) assert.ok(commands.includes(id), `${id} is not registered`);
  await vscode.commands.executeCommand('smolcode.openChat');
  console.log(`test:electron: ${contributed.length} commands registered; chat view opened`);
};
