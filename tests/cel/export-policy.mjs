// Evaluates the output of `webhook export-policy` as the Kubernetes API server would for Rollout requests,
// with a real CEL implementation (@bufbuild/cel): each MutatingAdmissionPolicy first (its JSON Patch applied,
// then run once more as reinvocationPolicy IfNeeded may), then every ValidatingAdmissionPolicy on the object
// before and after mutation. dotnet test runs it (tests/Webhook.Tests/Export/ExportEquivalenceTests.cs) and
// compares each answer with the webhook's.
//
//   node export-policy.mjs INPUT.json > OUTPUT.json
//
// INPUT: { "export": "<the YAML export-policy printed>", "cases": [ { "id", "namespace", "namespaceLabels",
//   "name", "operation", "user", "subResource", "object", "oldObject" } ] }. A JSON number inside object and
//   oldObject comes as { "$number": "<its JSON text>" }: the API server decodes a number that parses as int64 to a
//   CEL int and any other to a double (k8s.io/apimachinery/pkg/util/json, convertNumber: Int64 first, then
//   Float64), and JSON.parse would lose that difference.
// OUTPUT: { "results": [ { "id", "mutation", "mutated", "validation", "validationAfterMutation" } ] } where
//   mutation = { "patch": [ops], "again": [ops of the second run], "errors": [...] } and a validation =
//   { "denied": message|null, "deniedReason", "warnings": [...], "audit": {key: value}, "auditFailures": [...],
//     "errors": [...] }.
//
// How the API server behaves, and what is modelled here (sources in k8s.io/apiserver, admission/plugin):
// - matchConstraints: resourceRules (group, resource, operation; a subresource never matches "rollouts") and
//   namespaceSelector over the namespace's labels (policy/matching/matching.go).
// - matchConditions see object, oldObject and request but no namespaceObject: the policy matcher passes a nil
//   namespace to the condition filter (policy/matchconditions). A condition that is false skips the policy; one
//   that errors applies the failurePolicy (recorded here as an error: an export must not err).
// - variables are evaluated in order (the API server evaluates them lazily; every one is evaluated here, so a
//   variable that errs is an error here even when no expression reads it).
// - validations: a false expression fails; its message is messageExpression's value unless that errs, is empty or
//   holds a line break, else message (policy/validating/validator.go). Per binding, validationActions decide:
//   Deny keeps the failure and the request is refused with the FIRST one, "ValidatingAdmissionPolicy '%s' with
//   binding '%s' denied request: %s"; Warn adds "Validation failed for ValidatingAdmissionPolicy '%s' with binding
//   '%s': %s"; Audit adds a validation_failure entry (policy/validating/dispatcher.go).
// - auditAnnotations: a non-empty string value is recorded as "<policy name>/<key>".
// - MutatingAdmissionPolicy JSONPatch: the expression yields JSONPatch values whose value is converted to JSON
//   through google.protobuf.Value (policy/mutating/patch/json_patch.go); the patch is applied as RFC 6902.
// Not modelled: CEL cost budgets, type checking against the CRD schema, params, authorizer.
import { celEnv, celMap, isCelError, isCelUint, parse, plan, run } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { create, createFileRegistry, toJson } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, ValueSchema, file_google_protobuf_struct } from "@bufbuild/protobuf/wkt";
import { parseAllDocuments } from "yaml";
import fs from "node:fs";

if (process.argv.length !== 3) {
  console.error("usage: node export-policy.mjs INPUT.json");
  process.exit(2);
}

// @bufbuild/cel 0.6.1 finds no key whose value is null: NativeMap.has is `get(key) != undefined`, so
// 'k' in {'k': null} is false. CEL's `in` tests whether the key is there, and cel-go (the API server's CEL) finds
// it: its maps answer Contains by a lookup that reports the key, whatever the value. The webhook, too, counts a
// null as present. Until @bufbuild/cel does, the test double's maps answer as cel-go's.
const nativeMap = Object.getPrototypeOf(celMap(new Map()));
const bufbuildHas = nativeMap.has;
nativeMap.has = function has(key) {
  if (bufbuildHas.call(this, key)) return true;
  let k = isCelUint(key) ? key.value : key;
  if (typeof k === "number") {
    if (!Number.isInteger(k)) return false;
    k = BigInt(k);
  }
  return this._map.has(k) && this._map.get(k) === null;
};
if (run("'k' in m && !('j' in m)", { m: new Map([["k", null]]) }) !== true) {
  console.error("export-policy.mjs: the null-key fix for @bufbuild/cel no longer works; see the comment above it");
  process.exit(2);
}

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const objects = parseAllDocuments(input.export).map((d) => d.toJS()).filter((o) => o && typeof o === "object");

// JSONPatch, the CEL type MutatingAdmissionPolicy declares: fields op, path, from and value (any JSON value).
const jsonPatchFile = create(FileDescriptorProtoSchema, {
  name: "kubernetes/jsonpatch.proto",
  syntax: "proto3",
  dependency: ["google/protobuf/struct.proto"],
  messageType: [{
    name: "JSONPatch",
    field: [
      { name: "op", number: 1, type: 9, label: 1, jsonName: "op" },
      { name: "path", number: 2, type: 9, label: 1, jsonName: "path" },
      { name: "from", number: 3, type: 9, label: 1, jsonName: "from" },
      { name: "value", number: 4, type: 11, label: 1, typeName: ".google.protobuf.Value", jsonName: "value" },
    ],
  }],
});
const registry = createFileRegistry(jsonPatchFile, (name) => (name === "google/protobuf/struct.proto" ? file_google_protobuf_struct : undefined));
const env = celEnv({ registry, funcs: strings });
const programs = new Map();
function compile(expression) {
  let program = programs.get(expression);
  if (!program) {
    program = plan(env, parse(expression));
    programs.set(expression, program);
  }
  return program;
}

/** Evaluates; returns { value } or { error }. @bufbuild/cel returns errors as values, and parse throws. */
function evaluate(expression, bindings) {
  try {
    const value = compile(expression)(bindings);
    return isCelError(value) ? { error: value.message } : { value };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A JSON value of the input as the API server hands it to CEL: maps, lists, int (bigint), double (number). */
function toCel(v) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(toCel);
  if (Object.keys(v).length === 1 && typeof v.$number === "string") {
    const text = v.$number;
    if (/^-?[0-9]+$/.test(text)) {
      const i = BigInt(text);
      if (i >= INT64_MIN && i <= INT64_MAX) return i;
    }
    return Number(text);
  }
  return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
}

/** Back to the input's JSON form (numbers tagged again), for the output. */
function fromCel(v) {
  if (typeof v === "bigint") return { $number: v.toString() };
  if (typeof v === "number") return { $number: JSON.stringify(v) };
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, fromCel(x)]));
  if (Array.isArray(v)) return v.map(fromCel);
  return v;
}

function selectorMatches(selector, labels) {
  if (!selector) return true;
  for (const [k, val] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== val) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok = e.operator === "In" ? has && e.values.includes(labels[e.key])
      : e.operator === "NotIn" ? !has || !e.values.includes(labels[e.key])
      : e.operator === "Exists" ? has
      : e.operator === "DoesNotExist" ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}

function constraintsMatch(match, c) {
  if (!match) return true;
  const rules = match.resourceRules;
  if (rules) {
    const hit = rules.some((r) =>
      (r.apiGroups ?? []).some((g) => g === "*" || g === "argoproj.io")
      && (r.apiVersions ?? []).some((v) => v === "*" || v === "v1alpha1")
      && (r.resources ?? []).some((x) => x === "*" ? !c.subResource : x === (c.subResource ? `rollouts/${c.subResource}` : "rollouts"))
      && (r.operations ?? []).some((o) => o === "*" || o === c.operation));
    if (!hit) return false;
  }
  return selectorMatches(match.namespaceSelector, c.namespaceLabels);
}

function request(c) {
  return new Map([
    ["uid", "0b7f3a2e-1111-4c5d-9e8f-000000000001"],
    ["kind", new Map([["group", "argoproj.io"], ["version", "v1alpha1"], ["kind", "Rollout"]])],
    ["resource", new Map([["group", "argoproj.io"], ["version", "v1alpha1"], ["resource", "rollouts"]])],
    ["subResource", c.subResource ?? ""],
    ["name", c.name],
    ["namespace", c.namespace],
    ["operation", c.operation],
    ["userInfo", new Map([["username", c.user], ["groups", ["system:authenticated"]]])],
    ["dryRun", false],
  ]);
}

/**
 * The policy's bindings for this request, or null when the policy does not apply: { bindings, variables, errors }.
 * Evaluates matchConstraints, matchConditions (no namespaceObject) and the variables.
 */
function prepare(policy, bindingKind, c, object) {
  const spec = policy.spec ?? {};
  const bindings = objects.filter((o) => o.kind === bindingKind && o.spec?.policyName === policy.metadata.name
    && constraintsMatch(o.spec.matchResources, c));
  if (bindings.length === 0 || !constraintsMatch(spec.matchConstraints, c)) return null;
  const errors = [];
  const base = { object, oldObject: c.oldObject, request: request(c) };
  for (const condition of spec.matchConditions ?? []) {
    const r = evaluate(condition.expression, { ...base, namespaceObject: null });
    if (r.error !== undefined) errors.push(`${policy.metadata.name} matchCondition ${condition.name}: ${r.error}`);
    else if (r.value !== true && r.value !== false) errors.push(`${policy.metadata.name} matchCondition ${condition.name}: not a bool`);
    else if (!r.value) return null;
  }
  if (errors.length > 0) return { bindings, errors, bindingsOk: false };
  const namespaceObject = new Map([["metadata", new Map([["name", c.namespace], ["labels", new Map(Object.entries(c.namespaceLabels))]])]]);
  const variables = new Map();
  const bindingsForExpressions = { ...base, namespaceObject, variables };
  for (const v of spec.variables ?? []) {
    const r = evaluate(v.expression, bindingsForExpressions);
    if (r.error !== undefined) errors.push(`${policy.metadata.name} variable ${v.name}: ${r.error}`);
    variables.set(v.name, r.value ?? null);
  }
  return { bindings, errors, bindingsOk: errors.length === 0, activation: bindingsForExpressions };
}

function validate(c, object) {
  const result = { denied: null, deniedReason: null, warnings: [], audit: {}, auditFailures: [], errors: [] };
  for (const policy of objects.filter((o) => o.kind === "ValidatingAdmissionPolicy")) {
    const name = policy.metadata.name;
    const prepared = prepare(policy, "ValidatingAdmissionPolicyBinding", c, object);
    if (!prepared) continue;
    result.errors.push(...prepared.errors);
    if (!prepared.bindingsOk) continue;
    const failures = [];
    (policy.spec.validations ?? []).forEach((v, index) => {
      const r = evaluate(v.expression, prepared.activation);
      if (r.error !== undefined) {
        result.errors.push(`${name} validations[${index}]: ${r.error}`);
        return;
      }
      if (r.value === true) return;
      let message = v.message || `failed expression: ${v.expression}`;
      if (v.messageExpression) {
        const m = evaluate(v.messageExpression, prepared.activation);
        if (m.error !== undefined) result.errors.push(`${name} validations[${index}].messageExpression: ${m.error}`);
        else if (typeof m.value !== "string" || m.value.trim() === "" || /[\r\n]/.test(m.value)) result.errors.push(`${name} validations[${index}].messageExpression: unusable message ${JSON.stringify(m.value)}`);
        else message = m.value;
      }
      failures.push({ index, message, reason: v.reason ?? "Invalid" });
    });
    for (const a of policy.spec.auditAnnotations ?? []) {
      const r = evaluate(a.valueExpression, prepared.activation);
      if (r.error !== undefined) result.errors.push(`${name} auditAnnotations ${a.key}: ${r.error}`);
      else if (r.value !== null && typeof r.value !== "string") result.errors.push(`${name} auditAnnotations ${a.key}: not a string`);
      else if (r.value) result.audit[`${name}/${a.key}`] = r.value;
    }
    for (const binding of prepared.bindings) {
      for (const f of failures) {
        for (const action of binding.spec.validationActions ?? []) {
          if (action === "Deny" && result.denied === null) {
            result.denied = `ValidatingAdmissionPolicy '${name}' with binding '${binding.metadata.name}' denied request: ${f.message}`;
            result.deniedReason = f.reason;
          } else if (action === "Warn") {
            result.warnings.push(`Validation failed for ValidatingAdmissionPolicy '${name}' with binding '${binding.metadata.name}': ${f.message}`);
          } else if (action === "Audit") {
            result.auditFailures.push({ message: f.message, policy: name, binding: binding.metadata.name, expressionIndex: f.index, validationActions: binding.spec.validationActions });
          }
        }
      }
    }
  }
  return result;
}

/** The JSON Patch a mutating policy's expression yields, as plain operations. */
function patchOperations(list) {
  return [...list].map((item) => {
    const m = item.message ?? item;
    const op = { op: m.op, path: m.path };
    if (m.from) op.from = m.from;
    if (m.value !== undefined) op.value = toJson(ValueSchema, m.value);
    return op;
  });
}

function pointer(path) {
  if (!path.startsWith("/")) throw new Error(`path ${path} is not a JSON pointer`);
  return path.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** RFC 6902 add, as evanphx/json-patch applies it: the parent must exist; a member is added or replaced. */
function applyPatch(object, operations) {
  const copy = toCel(fromCel(object));
  for (const op of operations) {
    if (op.op !== "add") throw new Error(`op ${op.op} is not modelled here`);
    const tokens = pointer(op.path);
    let parent = copy;
    for (const t of tokens.slice(0, -1)) {
      parent = parent instanceof Map ? parent.get(t) : undefined;
      if (!(parent instanceof Map)) throw new Error(`add ${op.path}: the parent does not exist`);
    }
    parent.set(tokens.at(-1), toCel(tagNumbers(op.value)));
  }
  return copy;
}

/** A plain JSON value (a patch value) with its numbers tagged as the input's are. */
function tagNumbers(v) {
  if (typeof v === "number") return { $number: Number.isInteger(v) ? String(v) : JSON.stringify(v) };
  if (Array.isArray(v)) return v.map(tagNumbers);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tagNumbers(x)]));
  return v;
}

function mutateOnce(c, object, errors) {
  let current = object;
  const applied = [];
  for (const policy of objects.filter((o) => o.kind === "MutatingAdmissionPolicy")) {
    const prepared = prepare(policy, "MutatingAdmissionPolicyBinding", c, current);
    if (!prepared) continue;
    errors.push(...prepared.errors);
    if (!prepared.bindingsOk) continue;
    for (const [index, mutation] of (policy.spec.mutations ?? []).entries()) {
      if (mutation.patchType !== "JSONPatch") {
        errors.push(`${policy.metadata.name} mutations[${index}]: patchType ${mutation.patchType} is not modelled here`);
        continue;
      }
      const r = evaluate(mutation.jsonPatch.expression, prepared.activation);
      if (r.error !== undefined) {
        errors.push(`${policy.metadata.name} mutations[${index}]: ${r.error}`);
        continue;
      }
      const ops = patchOperations(r.value);
      try {
        current = applyPatch(current, ops);
        applied.push(...ops);
      } catch (e) {
        errors.push(`${policy.metadata.name} mutations[${index}]: ${e.message}`);
      }
    }
  }
  return { object: current, patch: applied };
}

const results = input.cases.map((c) => {
  const object = toCel(c.object);
  const caseWithOld = { ...c, oldObject: c.oldObject == null ? null : toCel(c.oldObject) };
  const errors = [];
  const first = mutateOnce(caseWithOld, object, errors);
  const again = mutateOnce(caseWithOld, first.object, errors);
  return {
    id: c.id,
    mutation: { patch: first.patch, again: again.patch, errors },
    mutated: fromCel(first.object),
    validation: validate(caseWithOld, object),
    validationAfterMutation: validate(caseWithOld, first.object),
  };
});

process.stdout.write(JSON.stringify({ results }));
