// Manual check of the chart's matchConditions with a real CEL evaluator (@bufbuild/cel), no cluster or
// helm needed:  cd tests/cel && npm install && npm test
// It reads the expressions from the templates, fills in the defaults from values.yaml, and evaluates
// them over the requests that matter: users, the Argo Rollouts controller, and workload-generation
// annotations present, absent, equal and changed. Exit code 0 when every row matches.
import { run } from "@bufbuild/cel";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const chart = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../charts/rollout-deadline-guard");
const read = (file) => fs.readFileSync(path.join(chart, file), "utf8");

const controller = read("values.yaml").match(/^\s*controllerServiceAccount:\s*(\S+)\s*$/m)[1];

/** The text of `expression:` in a template: inline, or the folded block under `>-`, joined as YAML folds it. */
function expression(template) {
  const lines = read(template).split("\n");
  const at = lines.findIndex((l) => /^\s*expression:/.test(l));
  const inline = lines[at].replace(/^\s*expression:\s*/, "");
  if (inline !== ">-") return inline;
  const indent = lines[at + 1].search(/\S/);
  const block = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() !== "" && line.search(/\S/) < indent) break;
    block.push(line.trim());
  }
  return block.join(" ").trim();
}

function substitute(text, template) {
  const source = read(template);
  const annotation = source.match(/\$annotation := "([^"]+)"/)?.[1];
  return text
    .replaceAll("{{ $controller }}", controller)
    .replaceAll("{{ .Values.argoRollouts.controllerServiceAccount }}", controller)
    .replaceAll("{{ $annotation }}", annotation ?? "");
}

const mutate = substitute(expression("templates/mutatingwebhookconfiguration.yaml"), "templates/mutatingwebhookconfiguration.yaml");
const validate = substitute(expression("templates/validatingwebhookconfiguration.yaml"), "templates/validatingwebhookconfiguration.yaml");
if (mutate.includes("{{") || validate.includes("{{")) throw new Error(`unsubstituted template action:\n${mutate}\n${validate}`);

const toMap = (o) => (o === null || typeof o !== "object" || Array.isArray(o) ? o : new Map(Object.entries(o).map(([k, v]) => [k, toMap(v)])));
const WG = "rollout.argoproj.io/workload-generation";
const obj = (annotations) => ({ metadata: annotations === undefined ? { name: "r" } : { name: "r", annotations } });

// [case, user, operation, object, oldObject, mutating webhook called?, validating webhook called?]
const cases = [
  ["a user creates", "alice", "CREATE", obj(), null, true, true],
  ["a user updates", "alice", "UPDATE", obj(), obj(), true, true],
  ["the controller creates", controller, "CREATE", obj(), null, true, false],
  ["the controller updates, no annotations on either side", controller, "UPDATE", obj(), obj(), false, false],
  ["the controller updates other annotations only", controller, "UPDATE", obj({ a: "1" }), obj({ b: "2" }), false, false],
  ["the controller updates, generation unchanged", controller, "UPDATE", obj({ [WG]: "3" }), obj({ [WG]: "3" }), false, false],
  ["the controller updates, generation changed", controller, "UPDATE", obj({ [WG]: "4" }), obj({ [WG]: "3" }), true, false],
  ["the controller adds the generation", controller, "UPDATE", obj({ [WG]: "1" }), obj(), true, false],
  ["the controller adds the generation beside others", controller, "UPDATE", obj({ [WG]: "1" }), obj({ x: "y" }), true, false],
  ["the controller removes the generation", controller, "UPDATE", obj(), obj({ [WG]: "1" }), true, false],
];

let failed = 0;
for (const [name, user, operation, object, oldObject, wantMutate, wantValidate] of cases) {
  const vars = { request: toMap({ userInfo: { username: user }, operation }), object: toMap(object), oldObject: toMap(oldObject) };
  const m = run(mutate, vars);
  const v = run(validate, vars);
  const ok = m === wantMutate && v === wantValidate;
  failed += ok ? 0 : 1;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}: mutating=${m} validating=${v}`);
}
console.log(`${cases.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
