// Validates AsyncAPI documents with the official parser (@asyncapi/parser):
// `node validate.mjs FILE...`. Prints each diagnostic of severity error or
// warning, and exits 1 if any document has an error.
import { Parser } from '@asyncapi/parser';
import { readFile } from 'node:fs/promises';

const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, 'utf8');
  const { document, diagnostics } = await parser.parse(text, { source: file });
  // Severity 0 is an error, 1 a warning.
  for (const d of diagnostics.filter((d) => d.severity <= 1)) {
    const where = d.path && d.path.length ? d.path.join('.') : '(document)';
    console.log(`${d.severity === 0 ? 'error' : 'warning'} ${file} ${where}: ${d.code}: ${d.message}`);
  }
  if (!document || diagnostics.some((d) => d.severity === 0)) {
    failed = true;
    console.log(`INVALID ${file}`);
  } else {
    const messages = document.allMessages().length;
    const channels = document.allChannels().length;
    const operations = document.allOperations().length;
    console.log(`valid ${file}: ${channels} channels, ${operations} operations, ${messages} messages`);
  }
}
process.exit(failed ? 1 : 0);
