// Build the partial plotly.js bundle shipped in kpidash/vendor/plotly/ (see README.md next to this file).
//
//   npm ci && node build.mjs        (or `make plotly-bundle` from the repository root)
//
// The esbuild settings follow plotly.js's own esbuild-config.js (iife, globalName Plotly, global -> window,
// target es2016), minified like its dist/*.min.js. The plugins of that config (GLSL shaders, inline CSS, NODE_DEBUG)
// are only needed by the WebGL/MapLibre/image traces, which this bundle leaves out.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const outDir = join(here, '..', '..', 'kpidash', 'vendor', 'plotly');
const outFile = join(outDir, 'plotly-kpidash.min.js');
const plotlyPkg = JSON.parse(readFileSync(require.resolve('plotly.js/package.json'), 'utf8'));
const esbuildVersion = esbuild.version;
const TRACES = ['scatter', 'bar', 'choropleth'];

if (plotlyPkg.version !== '4.1.1') {
  throw new Error(`plotly.js ${plotlyPkg.version} installed; the plotly Python package 7.1.0 bundles 4.1.1`);
}

// V8's explicit compile hint (Chrome 136+; a comment elsewhere): compile every function eagerly, on the background
// thread that streams the script, instead of lazily on the main thread at its first call. The charts call much of
// plotly.js on load; this takes ~0.1 s of compilation off the main thread of a first visit (docs/performance.md).
const banner = `//# allFunctionsCalledOnLoad
/**
* plotly.js (kpidash partial: ${TRACES.join(', ')} - minified) v${plotlyPkg.version}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*/`;

// src/registry.js requires maplibre-gl's stylesheet when a `map` subplot trace is registered; none is here, so the
// require is never reached: resolve it to an empty module (plotly.js's own build inlines it with a CSS plugin).
const noMapCss = {
  name: 'no-maplibre-css',
  setup(build) {
    build.onResolve({ filter: /^maplibre-gl\/dist\/maplibre-gl\.css$/ }, (args) => ({ path: args.path, namespace: 'no-css' }));
    build.onLoad({ filter: /.*/, namespace: 'no-css' }, () => ({ contents: '', loader: 'js' }));
  },
};

// What no figure of the dashboard uses (tests/unit/test_plotly_bundle.py fails if one starts to), left out: 0.2 MB of
// the 1.39 MB, and the work of compiling it on every first visit.
// - `country-iso-search`: the country-name lookup of `locationmode: 'country names'` (built when plotly.js loads);
//   the maps use `geojson-id`. Stub: no country name is recognised.
// - `d3-geo-projection`: the projections d3-geo does not have (robinson, winkel tripel, …); the maps are mercator.
// - The layout components updatemenus, sliders, rangeslider, rangeselector, images and annotations3d, registered by
//   src/core.js: plotly.js calls components through its registry, so an unregistered one is simply not drawn.
const STUBS = {
  'country-iso-search':
    'module.exports = { COUNTRIES: [], createLookup: function () { return { lookupAlpha3: function () { return undefined; } }; } };',
  'd3-geo-projection': 'module.exports = {};',
};
const OMITTED_COMPONENTS = ['updatemenus', 'sliders', 'rangeslider', 'rangeselector', 'images', 'annotations3d'];
const omitUnused = {
  name: 'omit-unused',
  setup(build) {
    const names = Object.keys(STUBS).map((n) => n.replace(/[-/]/g, '\\$&'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
    build.onLoad({ filter: /[\\/]plotly\.js[\\/]src[\\/]core\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      for (const name of OMITTED_COMPONENTS) {
        const line = new RegExp(`\\n\\s*require\\('\\./components/${name}'\\),`);
        if (!line.test(source)) throw new Error(`src/core.js no longer registers components/${name}: update build.mjs`);
        source = source.replace(line, '');
      }
      return { contents: source, loader: 'js' };
    });
  },
};

const result = await esbuild.build({
  entryPoints: [join(here, 'index.js')],
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  define: { global: 'window', 'define.amd': 'false' },
  target: 'es2016',
  charset: 'utf8',
  banner: { js: banner },
  footer: { js: 'window.Plotly = Plotly;' },
  plugins: [noMapCss, omitUnused],
  write: false,
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
mkdirSync(outDir, { recursive: true });
writeFileSync(outFile, code);
copyFileSync(require.resolve('plotly.js/LICENSE'), join(outDir, 'LICENSE'));

const sha256 = createHash('sha256').update(code).digest('hex');
const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
const integrity = lock.packages['node_modules/plotly.js'].integrity;
const provenance = {
  file: 'plotly-kpidash.min.js',
  bytes: code.length,
  sha256,
  plotly_js: { version: plotlyPkg.version, npm_integrity: integrity },
  esbuild: esbuildVersion,
  traces: TRACES,
  stubbed_modules: Object.keys(STUBS),
  omitted_components: OMITTED_COMPONENTS,
  entry: 'frontend/plotly/index.js',
  build: 'make plotly-bundle  (= cd frontend/plotly && npm ci && node build.mjs)',
};
writeFileSync(join(outDir, 'provenance.json'), JSON.stringify(provenance, null, 2) + '\n');
console.log(`${outFile}: ${code.length} bytes, sha256 ${sha256}`);
