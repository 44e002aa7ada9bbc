// A stand-in for mongosh's `db`, enough to run setup.js under node and record what it asks for.
// Usage: node fake_mongosh.js setup.js state.json  (state: {"collections": {name: [index names]}})
// Prints the calls as JSON lines and writes the state after the run back to state.json.
const fs = require("fs");
const vm = require("vm");
const [script, statePath] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
const calls = [];
const collection = (name) => ({
  getIndexes: () => ["_id_", ...(state.collections[name] || [])].map((n) => ({name: n})),
  createIndexes: (specs) => {
    for (const spec of specs) {
      if (!spec.key || !spec.name) throw new Error("index spec without key or name");
      if ((state.collections[name] || []).includes(spec.name)) throw new Error("index exists: " + spec.name);
      state.collections[name].push(spec.name);
    }
    calls.push({op: "createIndexes", name, indexes: specs.map((s) => s.name)});
  },
});
const db = {
  getCollectionNames: () => Object.keys(state.collections),
  createCollection: (name, options) => {
    if (name in state.collections) throw new Error("collection exists: " + name);
    state.collections[name] = [];
    calls.push({op: "createCollection", name, validator: Boolean(options && options.validator)});
  },
  runCommand: (cmd) => {
    if (!(cmd.collMod in state.collections)) throw new Error("no collection " + cmd.collMod);
    calls.push({op: "collMod", name: cmd.collMod, validator: Boolean(cmd.validator)});
    return {ok: 1};
  },
  getCollection: collection,
};
vm.runInNewContext(fs.readFileSync(script, "utf8"), {db, print: () => {}});
fs.writeFileSync(statePath, JSON.stringify(state));
for (const call of calls) console.log(JSON.stringify(call));
