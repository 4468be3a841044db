// Bundles js/hls_player.js and hls.js into one ES module, js/dist/hls_player.js (run by `cargo xtask setup`).
import { build } from 'esbuild';
import { statSync } from 'node:fs';

const outfile = new URL('./dist/hls_player.js', import.meta.url).pathname;
await build({
  entryPoints: [new URL('./hls_player.js', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
  outfile,
});
console.log(`js/dist/hls_player.js: ${statSync(outfile).size} bytes`);
