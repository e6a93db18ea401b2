'use strict';

// plotly.js 4.1.1 with only the traces the dashboard's prefecture pages draw (kpidash/figures.py and
// kpidash/figures_map.py): scatter (always part of lib/core), bar, and the SVG geo choropleth. No MapLibre, no WebGL.
// /municipalities draws a choroplethmap (MapLibre) and keeps the full plotly.min.js of the plotly Python package.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/choropleth')]);

module.exports = Plotly;
