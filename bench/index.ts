/** Runs every benchmark in this folder in turn (`npm run bench`). */
const suites = ['./parse.ts', './events.ts', './render-mwi-winfo.ts', './render-dialog.ts', './render-presence.ts'];
for (const suite of suites) {
  await import(suite);
}
