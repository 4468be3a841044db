// Bundles the viewer's two ES modules with esbuild (run by `cargo xtask setup`): js/hls_player.js with hls.js into js/dist/hls_player.js, and js/mediasoup_client.mjs with mediasoup-client into js/live-dist/mediasoup-client.mjs.
import { build } from 'esbuild';
import { statSync } from 'node:fs';

const here = (path) => new URL(path, import.meta.url).pathname;
const bundles = [
  // The recordings page's player (loaded through a dynamic import()).
  { entry: './hls_player.js', outfile: './dist/hls_player.js', target: ['chrome100', 'firefox100', 'safari15'], legalComments: 'eof' },
  // The live page's Device (Trunk serves it as /live-js/mediasoup-client.mjs).
  { entry: './mediasoup_client.mjs', outfile: './live-dist/mediasoup-client.mjs', target: ['es2020'], legalComments: 'inline' },
];
for (const { entry, outfile, target, legalComments } of bundles) {
  await build({
    entryPoints: [here(entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target,
    minify: true,
    legalComments,
    logLevel: 'warning',
    outfile: here(outfile),
  });
  console.log(`js/${outfile.slice(2)}: ${statSync(here(outfile)).size} bytes`);
}
