'use strict';

// plotly.js 4.1.1 with only the traces the dashboard draws (kpidash/figures.py, figures_map.py, figures_muni.py):
// scatter (always part of lib/core), bar, and the SVG geo choropleth (prefecture and municipality maps). No MapLibre,
// no WebGL.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/choropleth')]);

module.exports = Plotly;
