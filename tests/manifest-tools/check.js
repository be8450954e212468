#!/usr/bin/env node
// Checks sms-bridge's rendered manifests with Microsoft's own tools, offline:
//   1. office-addin-manifest-converter turns the XML manifest into a unified JSON manifest
//      (plus one localisation file per language);
//   2. the converted JSON manifest and our own JSON manifest are validated against the
//      JSON schemas shipped in @microsoft/app-manifest.
// The converter's localisation files (de-de.json) are only parsed: the localisation schema
// shipped in @microsoft/app-manifest 1.1.2 does not compile in its own validator (ajv
// rejects one of its regular expressions in unicode mode), so it cannot check them.
// Usage: node check.js MANIFEST.xml MANIFEST.json
// Network access is switched off for the whole run: a schema that is not in the package,
// or any tool that tries to fetch something, fails the check instead of going online.
"use strict";

const fs = require("fs");
const http = require("http");
const https = require("https");
const os = require("os");
const path = require("path");

function refuseNetwork(what) {
  return () => {
    throw new Error(`network access attempted (${what}); this check must run offline`);
  };
}
globalThis.fetch = refuseNetwork("fetch");
http.request = refuseNetwork("http.request");
http.get = refuseNetwork("http.get");
https.request = refuseNetwork("https.request");
https.get = refuseNetwork("https.get");

const { convert } = require("office-addin-manifest-converter/lib/main");
const { ManifestUtil } = require("@microsoft/app-manifest");

const SCHEMA_PREFIX = "https://developer.microsoft.com/json-schemas/";
const SCHEMA_ROOT = path.join(
  path.dirname(require.resolve("@microsoft/app-manifest/package.json")),
  "build",
  "json-schemas",
);

/** The schema a document names in `$schema`, read from the package, never downloaded. */
function localSchema(document, file) {
  const url = String(document.$schema || "").replace(/#$/, "");
  if (!url.startsWith(SCHEMA_PREFIX)) {
    throw new Error(`${file}: $schema ${JSON.stringify(url)} is not a known Microsoft schema`);
  }
  const schemaFile = path.join(SCHEMA_ROOT, url.slice(SCHEMA_PREFIX.length));
  if (!fs.existsSync(schemaFile)) {
    throw new Error(`${file}: schema ${url} is not shipped in @microsoft/app-manifest`);
  }
  const text = fs.readFileSync(schemaFile, "utf8");
  return JSON.parse(text.replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b"));
}

/** Validates one JSON file against its schema; returns the list of problems. */
async function validate(file) {
  const document = JSON.parse(fs.readFileSync(file, "utf8"));
  const schema = localSchema(document, file);
  const errors = await ManifestUtil.validateManifestAgainstSchema(document, schema);
  return errors.map((error) => `${file}: ${error}`);
}

async function main() {
  const [xmlFile, jsonFile] = process.argv.slice(2);
  if (!xmlFile || !jsonFile) {
    console.error("usage: node check.js MANIFEST.xml MANIFEST.json");
    process.exit(2);
  }

  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sms-bridge-converted-"));
  try {
    await convert(path.resolve(xmlFile), outDir, false, null, null, false);
    const converted = fs.readdirSync(outDir).filter((name) => name.endsWith(".json"));
    if (!converted.includes("manifest.json")) {
      throw new Error(`the converter wrote no manifest.json (wrote: ${converted.join(", ")})`);
    }

    for (const name of converted.filter((name) => name !== "manifest.json")) {
      JSON.parse(fs.readFileSync(path.join(outDir, name), "utf8"));
    }
    const files = [path.join(outDir, "manifest.json"), path.resolve(jsonFile)];
    const problems = [];
    for (const file of files) {
      problems.push(...(await validate(file)));
    }
    if (problems.length > 0) {
      console.error(problems.join("\n"));
      process.exit(1);
    }
    console.log(`converted ${xmlFile} into ${converted.join(", ")}`);
    console.log(`schema-valid: converted manifest.json and ${jsonFile}`);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`manifest check failed: ${error.message}`);
  process.exit(1);
});
