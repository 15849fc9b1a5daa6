/** Runs every benchmark in this folder in turn (`npm run bench`). */
const suites = ['./parse.ts'];
for (const suite of suites) {
  await import(suite);
}
