#!/usr/bin/env node
// Offline syntax (and light semantic) check of Cypher statements with Neo4j's own
// language-support package (the parser used by Neo4j's editors and VS Code extension).
//
// Input on stdin, JSON: [{"name": "...", "cypher": "..."}, ...]
// Output on stdout, JSON: {"checked": N, "versions": [...], "errors": [...], "warnings": [...]}
// Exit status: 0 when no statement has an error, 1 when one has, 2 on bad input.
//
// Each statement is checked as "CYPHER 5 ..." and "CYPHER 25 ..." (Neo4j 5 speaks Cypher 5;
// Neo4j 2025+ and Aura accept both). Parameters ($rows, $keys, ...) are supplied at run time,
// so "parameter is not defined" diagnostics are ignored; everything else counts.
'use strict';

const { lintCypherQuery, isNotParamError, allCypherVersions } = require('@neo4j-cypher/language-support');

const ERROR = 1;
const WARNING = 2;

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function check(statement, version) {
  const prefix = `${version} `;
  const { diagnostics } = lintCypherQuery(prefix + statement.cypher, {});
  return diagnostics.filter(isNotParamError).map((d) => ({
    name: statement.name,
    version,
    severity: d.severity,
    message: d.message,
    offset: d.offsets ? d.offsets.start - prefix.length : null,
    cypher: statement.cypher,
  }));
}

async function main() {
  let statements;
  try {
    statements = JSON.parse(await readStdin());
    if (!Array.isArray(statements)) throw new Error('expected a JSON array');
  } catch (err) {
    process.stderr.write(`cypher-check: bad input: ${err.message}\n`);
    process.exit(2);
  }
  const found = statements.flatMap((s) => allCypherVersions.flatMap((v) => check(s, v)));
  const report = {
    checked: statements.length,
    versions: allCypherVersions,
    errors: found.filter((d) => d.severity === ERROR),
    warnings: found.filter((d) => d.severity === WARNING),
  };
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  process.exit(report.errors.length ? 1 : 0);
}

main();
