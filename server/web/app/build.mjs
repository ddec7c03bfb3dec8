// Bundles the web application (issue 13) with esbuild into OUTDIR (argument, default
// ../../../build/web-app): content-hashed file names (main-3F2A9C1B.js, chunks, app-….css) and a
// manifest.json {"main.js": "main-3F2A9C1B.js", "app.css": "app-….css"} that the server reads to
// write the <script>/<link> of the application pages. Nothing here contacts a host at run time:
// every script and font is in the bundle.
//   node build.mjs [OUTDIR] [--dev]   (--dev: no minification, inline source maps)
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dev = args.includes('--dev');
const outdir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(here, '../../../build/web-app'));

fs.rmSync(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { main: path.join(here, 'src/main.js'), app: path.join(here, 'src/styles/app.css') },
  // The metafile's paths are relative to this directory whatever the caller's (the manifest
  // below looks entries up as 'src/main.js').
  absWorkingDir: here,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2022'],
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: 'asset-[name]-[hash]',
  loader: { '.woff2': 'file', '.svg': 'file' },
  outdir,
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const manifest = {};
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  const entry = { 'src/main.js': 'main.js', 'src/styles/app.css': 'app.css' }[info.entryPoint];
  if (entry) manifest[entry] = path.basename(file);
}
fs.writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`web app: ${Object.keys(result.metafile.outputs).length} files in ${outdir}`);
