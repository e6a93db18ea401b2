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
    syncLang: function (search) {
      const en = new URLSearchParams(search || "").get("lang") === "en";
      document.documentElement.lang = en ? "en" : "ja";
      return en ? "日本語" : "English";
    }
  }
});
