// Which plotly.js dcc.Graph loads (it loads plotly.js once, from window._dashPlotlyJSURL) and the empty base map
// plotly.js would otherwise fetch for a geo subplot: set from a <meta> of the index page (app.py) before Dash renders.
(function () {
  const meta = document.querySelector('meta[name="kpidash-plotly"]');
  if (!meta) { return; }
  const cfg = JSON.parse(meta.getAttribute("content"));
  // Dash's renderer assigns its full plotly.min.js (4.8 MB) here once it has mounted, which may be after a graph of
  // the first layout has started loading: the app's bundle is the only answer.
  Object.defineProperty(window, "_dashPlotlyJSURL", { configurable: true, get: function () { return cfg.url; }, set: function () {} });
  const assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {};
  assets.topojson = assets.topojson || {};
  if (assets.topojson[cfg.topojsonName] === undefined) { assets.topojson[cfg.topojsonName] = cfg.topojson; }
})();

// Dash's first two requests, for the layout and for the callback list, answered from the index page: the server puts
// both in it as JSON (kpidash/web/prerender.py), the layout built for this address. Each is used once; if it is missing or
// was built for another address, the request goes to the server, with the page's address on the layout request (the
// server then sends the page's content with the layout instead of one routing round trip later). Any other request
// passes through unchanged.
(function () {
  const fetch0 = window.fetch;
  if (!fetch0) { return; }
  function embedded(id, page) {
    const el = document.getElementById(id);
    if (!el) { return null; }
    el.parentNode.removeChild(el);
    if (page !== undefined && el.getAttribute("data-page") !== page) { return null; }
    return new Response(el.textContent, { status: 200, headers: { "Content-Type": "application/json" } });
  }
  window.fetch = function (input, init) {
    const get = !init || !init.method || init.method.toUpperCase() === "GET";
    if (typeof input === "string" && get) {
      if (/(^|\/)_dash-layout$/.test(input)) {
        const page = window.location.pathname + window.location.search;
        const boot = embedded("kpidash-boot-layout", page);
        if (boot) { return Promise.resolve(boot); }
        input += "?page=" + encodeURIComponent(page);
      } else if (/(^|\/)_dash-dependencies$/.test(input)) {
        const boot = embedded("kpidash-boot-dependencies");
        if (boot) { return Promise.resolve(boot); }
      }
    }
    return fetch0.call(this, input, init);
  };
})();

// The charts first, then the controls. A first visit is CPU-bound (two cores: the main thread, the script compiler and
// the browser's other processes all want them), and dcc.Dropdown and dcc.RadioItems cost ~0.1 s there (the dropdown's
// chunk, its search index, Dash's wrappers). So until the charts of the first view are drawn (the number the server
// puts on the embedded layout, data-charts), those two render nothing; their cells keep their height (style.css,
// .control), as they already did for the dropdown's lazily loaded chunk; radio buttons, which can take two lines, are
// drawn meanwhile as plain markup identical to dcc's (read-only), so nothing moves when the controls appear. They
// appear at once on the first key press or pointer press, and after 3 s whatever happens.
(function () {
  const boot = document.getElementById("kpidash-boot-layout");
  const expected = boot ? Number(boot.getAttribute("data-charts")) || 0 : 0;
  let ready = expected === 0;
  let settled = 0;
  const waiting = new Set();
  function release() {
    if (ready) { return; }
    ready = true;
    waiting.forEach(function (show) { show(); });
    waiting.clear();
  }
  function afterIdle() { (window.requestIdleCallback || window.setTimeout)(release, { timeout: 200 }); }
  function counted(draw) {
    return function () {
      const done = function () { settled += 1; if (settled >= expected) { afterIdle(); } };
      const result = draw.apply(this, arguments);
      if (result && typeof result.then === "function") { result.then(done, done); } else { done(); }
      return result;
    };
  }
  if (!ready) {
    let plotly;
    // dcc.Graph calls Plotly.react once plotly.js has loaded (the bundle sets window.Plotly)
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      get: function () { return plotly; },
      set: function (v) {
        if (v && v !== plotly && typeof v.react === "function" && !v.kpidashCounted) {
          v.react = counted(v.react);
          v.newPlot = counted(v.newPlot);
          v.kpidashCounted = true;
        }
        plotly = v;
      }
    });
    ["keydown", "pointerdown"].forEach(function (type) {
      window.addEventListener(type, release, { capture: true, once: true });
    });
    window.setTimeout(release, 3000);
  }
  // dcc.RadioItems' markup (Dash 4.4, after the accessibility patch of app.py), without its behaviour; null when the
  // options are not plain {label, value} (then the cell only keeps its height).
  function radioLook(props) {
    const R = window.React;
    const options = props.options;
    const plain = Array.isArray(options) && options.every(function (o) {
      return o && typeof o === "object" && (typeof o.label === "string" || typeof o.label === "number");
    });
    if (!plain) { return null; }
    const h = R.createElement;
    return h("div", {
      id: props.id, className: "dash-options-list dash-radioitems " + (props.className || ""),
      role: "radiogroup", "aria-labelledby": props.id + "-label", "data-kpidash-placeholder": ""
    }, options.map(function (o, i) {
      const on = o.value === props.value;
      return h("label", {
        key: i, "data-option-index": i,
        className: "dash-options-list-option" + (on ? " selected" : "") + (props.inline ? " dash-radioitems-inline" : "")
      }, h("span", { className: "dash-options-list-option-wrapper" }, h("input", {
        type: "radio", name: props.id, readOnly: true, checked: on, value: String(o.value),
        className: "dash-options-list-option-checkbox"
      })), h("span", { className: "dash-options-list-option-text" }, h("span", null, String(o.label))));
    }));
  }
  function deferred(Real, look) {
    function Deferred(props) {
      const R = window.React;
      const state = R.useState(ready);
      const shown = state[0];
      const show = state[1];
      R.useEffect(function () {
        if (shown) { return undefined; }
        const f = function () { show(true); };
        if (ready) { f(); return undefined; }
        waiting.add(f);
        return function () { waiting.delete(f); };
      }, [shown]);
      return shown ? R.createElement(Real, props) : look(props);
    }
    Object.getOwnPropertyNames(Real).forEach(function (k) {  // Dash's metadata: defaultProps, lazy readiness, ...
      if (["length", "name", "prototype", "caller", "arguments"].indexOf(k) < 0) {
        Object.defineProperty(Deferred, k, Object.getOwnPropertyDescriptor(Real, k));
      }
    });
    return Deferred;
  }
  // After every bundle has run (DOMContentLoaded), before Dash renders the layout (it renders once it has it).
  document.addEventListener("DOMContentLoaded", function () {
    const dcc = window.dash_core_components;
    if (ready || !dcc) { return; }
    const ns = Object.assign({}, dcc);  // the bundle's exports are getters: a new namespace object, not assignments
    const looks = { Dropdown: function () { return null; }, RadioItems: radioLook };
    Object.keys(looks).forEach(function (name) { if (ns[name]) { ns[name] = deferred(ns[name], looks[name]); } });
    window.dash_core_components = ns;
  });
})();

// Keep the view state in the URL without re-rendering the page: pushState (back button restores via popstate).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  kpidash: {
    syncUrl: function (state) {
      if (!state) { return window.dash_clientside.no_update; }
      const params = new URLSearchParams();
      Object.keys(state).forEach(function (k) {
        const v = state[k];
        if (v !== null && v !== undefined && v !== "") { params.set(k, String(v)); }
      });
      const q = "?" + params.toString();
      if (q !== window.location.search) {
        const url = window.location.pathname + q;
        if (window.location.search === "") { window.history.replaceState(null, "", url); }
        else { window.history.pushState(null, "", url); }
      }
      return window.dash_clientside.no_update;
    },
    toggleLang: function (n) {
      if (!n) { return window.dash_clientside.no_update; }
      const params = new URLSearchParams(window.location.search);
      if (params.get("lang") === "en") { params.delete("lang"); } else { params.set("lang", "en"); }
      const q = params.toString();
      window.location.assign(window.location.pathname + (q ? "?" + q : ""));
      return window.dash_clientside.no_update;
    },
    // components.data_table: the rows of a closed table, as Dash components, once its summary is first clicked
    // (a click or, on the focused summary, Enter or Space). Returned again on later toggles: the same table.
    fillTable: function (n, data) {
      if (!n || !data) { return window.dash_clientside.no_update; }
      const el = function (type, children, props) {
        return { type: type, namespace: "dash_html_components", props: Object.assign({ children: children }, props || {}) };
      };
      const head = el("Thead", el("Tr", data.headers.map(function (h) { return el("Th", h, { scope: "col" }); })));
      const body = el("Tbody", data.rows.map(function (r) {
        const cells = r.slice(1).map(function (v) { return el("Td", v, { className: "num" }); });
        return el("Tr", [el("Th", r[0], { scope: "row" })].concat(cells));
      }));
      return el("Table", (data.caption ? [el("Caption", data.caption)] : []).concat([head, body]), { className: "table" });
    },
    // Dash 4.4's dcc markup has accessibility faults that no component prop can change (checked with axe-core):
    // - RadioItems/Checklist render role="listbox" with role="option" labels that wrap the real radio/checkbox inputs
    //   (nested interactive controls, an unnamed listbox); native inputs inside labels need no ARIA at all, so the list
    //   becomes a radiogroup (or group) named by the control's visible label (id "<control id>-label") and the option
    //   roles go;
    // - Dropdown puts tab focus on an aria-hidden, focusable <input> (a Safari workaround) that forwards focus to a
    //   button with tabindex=-1, and names that button by its value only: the button becomes the tab stop and is named
    //   by "<label> <value>".
    // React re-applies some of these attributes on update, so a MutationObserver keeps them fixed (idempotent: it only
    // writes what differs).
    a11yPatch: function () {
      if (window.kpidashA11y) { return window.dash_clientside.no_update; }
      window.kpidashA11y = true;
      function labelOf(id) {
        if (!id) { return null; }
        const own = document.getElementById(id + '-label');
        if (own) { return own; }
        const lab = document.querySelector('label[for="' + CSS.escape(id) + '"]');
        if (lab && !lab.id) { lab.id = id + '-label'; }
        return lab;
      }
      function set(el, name, value) { if (el.getAttribute(name) !== value) { el.setAttribute(name, value); } }
      function fix() {
        document.querySelectorAll('.dash-options-list[role="listbox"]').forEach(function (list) {
          set(list, 'role', list.querySelector('input[type="radio"]') ? 'radiogroup' : 'group');
          const owner = list.closest('.dash-dropdown-wrapper');
          const button = owner && owner.querySelector('button.dash-dropdown');
          const lab = labelOf(button ? button.id : list.id);
          if (lab) { set(list, 'aria-labelledby', lab.id); }
        });
        document.querySelectorAll('.dash-options-list-option[role], .dash-options-list-option[aria-selected]')
          .forEach(function (o) { o.removeAttribute('role'); o.removeAttribute('aria-selected'); });
        document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (f) {
          if (f.tabIndex !== -1) { f.tabIndex = -1; }
        });
        document.querySelectorAll('button.dash-dropdown').forEach(function (b) {
          if (!b.disabled && b.tabIndex !== 0) { b.tabIndex = 0; }
          const lab = labelOf(b.id);
          // "<label> <value> <count>": the visible text in its visible order (axe label-content-name-mismatch)
          const parts = [b.id + '-value', b.id + '-value-count'].filter(function (i) {
            return document.getElementById(i);
          });
          if (lab) { set(b, 'aria-labelledby', [lab.id].concat(parts).join(' ')); }
        });
      }
      fix();
      new MutationObserver(fix).observe(document.body, {
        subtree: true, childList: true, attributes: true,
        attributeFilter: ['role', 'aria-selected', 'tabindex', 'aria-labelledby']
      });
      return window.dash_clientside.no_update;
    },
    // The menu's links keep ?lang=en on English pages.
    navLinks: function (search, ids) {
      const en = new URLSearchParams(search || '').get('lang') === 'en';
      return ids.map(function (i) { return en ? i.path + '?lang=en' : i.path; });
    },
    syncLang: function (search) {
      const en = new URLSearchParams(search || "").get("lang") === "en";
      document.documentElement.lang = en ? "en" : "ja";
      return en ? "日本語" : "English";
    }
  }
});

// Grids with the class kpi-grid-hold (see assets/style.css) are shown once AG Grid has given their flex columns
// their widths, i.e. once the columns fill the grid's width: at most 30 frames after AG Grid has drawn its body (and
// never later than 10 s after the grid appeared, whatever happens).
(function () {
  function reveal(grid) {
    let drawn = 0;
    let frames = 0;
    (function check() {
      const view = grid.querySelector(".ag-center-cols-viewport");
      const cols = grid.querySelector(".ag-center-cols-container");
      const sized = view && cols && view.clientWidth > 0 && Math.abs(cols.offsetWidth - view.clientWidth) <= 1;
      if (view) { drawn += 1; }
      frames += 1;
      if (sized || drawn > 30 || frames > 600 || !grid.isConnected) { grid.classList.add("kpi-grid-ready"); return; }
      window.requestAnimationFrame(check);
    })();
  }
  function scan() {
    document.querySelectorAll(".kpi-grid-hold:not([data-kpi-grid-watch])").forEach(function (grid) {
      grid.setAttribute("data-kpi-grid-watch", "");
      reveal(grid);
    });
  }
  function start() {
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();

// dash-ag-grid's main bundle (AG Grid itself: 1.3 MB, 353 KiB compressed, 50–90 ms of script evaluation) only where a
// grid is drawn: app.py takes its <script> out of the page and names it in <meta name="kpidash-lazy-dash-ag-grid">.
// This stands in for the dash_ag_grid namespace: its AgGrid loads the bundle when first rendered, then renders the
// real AgGrid (same element type throughout, so a grid is never re-created); the bundle's own exports are copied in.
(function () {
  const meta = document.querySelector('meta[name="kpidash-lazy-dash-ag-grid"]');
  if (!meta || window.dash_ag_grid) { return; }
  const url = meta.getAttribute("content");
  const ns = {};
  let real = null;
  let loading = null;
  Object.defineProperty(window, "dash_ag_grid", {
    configurable: true,
    get: function () { return ns; },
    set: function (v) {  // the bundle ends with `window.dash_ag_grid = {AgGrid, getApi, getApiAsync}`
      if (v === ns) { return; }  // its lazy chunk does `window.dash_ag_grid = window.dash_ag_grid || {}`
      real = v;
      Object.keys(v).forEach(function (k) { if (k !== "AgGrid") { ns[k] = v[k]; } });
    }
  });
  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        const s = document.createElement("script");
        s.src = url;
        s.onload = function () {
          if (real) { resolve(real); } else { reject(new Error("dash_ag_grid did not register: " + url)); }
        };
        s.onerror = function () { loading = null; reject(new Error("dash_ag_grid could not be loaded: " + url)); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }
  function AgGrid(props) {
    const R = window.React;
    const state = R.useState(real !== null);
    const ready = state[0];
    const setReady = state[1];
    R.useEffect(function () {
      if (ready) { return; }
      // Below a chart, the grid's 1.3 MB waits until the browser is idle: the chart is drawn first.
      const start = function () { load().then(function () { setReady(true); }); };
      if (props.className && props.className.indexOf("kpi-grid-defer") >= 0 && window.requestIdleCallback) {
        window.requestIdleCallback(start, { timeout: 2000 });
      } else { start(); }
    }, [ready]);
    if (!ready) { return R.createElement("div", { className: props.className, style: props.style }); }
    return R.createElement(real.AgGrid, props);
  }
  // Dash waits for this before it runs callbacks that involve the component.
  Object.defineProperty(AgGrid, "_dashprivate_isLazyComponentReady", {
    get: function () { return load().then(function (r) { return r.AgGrid._dashprivate_isLazyComponentReady; }); }
  });
  ns.AgGrid = AgGrid;
})();
