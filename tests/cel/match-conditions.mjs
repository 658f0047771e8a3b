// Evaluates the matchConditions of the chart's two webhook configurations, as `helm template` renders them, with a
// real CEL implementation (@bufbuild/cel), over the requests that matter: users, the Argo Rollouts controller, and
// workload-generation annotations present, absent, equal and changed.
//
//   helm template deadline-guard charts/rollout-deadline-guard > rendered.yaml
//   node match-conditions.mjs rendered.yaml [--controller system:serviceaccount:argo-rollouts:argo-rollouts]
//
// (a file name, or - for standard input). --controller is argoRollouts.controllerServiceAccount as rendered (the
// default is the chart's). Prints one line per row and "N passed, N failed"; exit code 0 when every row matches.
// dotnet test runs it over the rendered chart (tests/Webhook.Tests/Chart/CelMatchConditionTests.cs).
import { run } from "@bufbuild/cel";
import { parseAllDocuments } from "yaml";
import fs from "node:fs";

const args = process.argv.slice(2);
const controllerAt = args.indexOf("--controller");
const controller = controllerAt >= 0 ? args[controllerAt + 1] : "system:serviceaccount:argo-rollouts:argo-rollouts";
const input = args.find((a, i) => a !== "--controller" && (controllerAt < 0 || i !== controllerAt + 1));
if (!input || !controller) {
  console.error("usage: node match-conditions.mjs RENDERED.yaml|- [--controller USERNAME]");
  process.exit(2);
}

const objects = parseAllDocuments(fs.readFileSync(input === "-" ? 0 : input, "utf8"))
  .map((d) => d.toJS())
  .filter((o) => o && typeof o === "object");

/** The one matchCondition expression of the one webhook of the configuration of this kind. */
function expression(kind) {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in the rendered chart, found ${found.length}`);
  const webhooks = found[0].webhooks ?? [];
  if (webhooks.length !== 1 || (webhooks[0].matchConditions ?? []).length !== 1) {
    throw new Error(`${kind}: expected one webhook with one matchCondition`);
  }
  return webhooks[0].matchConditions[0].expression;
}

const mutate = expression("MutatingWebhookConfiguration");
const validate = expression("ValidatingWebhookConfiguration");

const toMap = (o) => (o === null || typeof o !== "object" || Array.isArray(o) ? o : new Map(Object.entries(o).map(([k, v]) => [k, toMap(v)])));
const WG = "rollout.argoproj.io/workload-generation";
const obj = (annotations) => ({ metadata: annotations === undefined ? { name: "r" } : { name: "r", annotations } });

// [case, user, operation, object, oldObject, mutating webhook called?, validating webhook called?]
const cases = [
  ["a user creates", "alice", "CREATE", obj(), null, true, true],
  ["a user updates", "alice", "UPDATE", obj(), obj(), true, true],
  ["another service account updates", "system:serviceaccount:argo-rollouts:other", "UPDATE", obj(), obj(), true, true],
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
