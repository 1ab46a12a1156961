/* parkgis map viewers: vector-tile layers styled from the layer catalogue, filters, legend,
 * parcel search and a count of the features drawn. Built by parkgis.maps (folium); package
 * data of parkgis.maps served at /static/maps, with Leaflet and Leaflet.VectorGrid vendored
 * from npm at /static/vendor (no CDN).
 *
 * Observable state for people and tests:
 *   window.parkgisVisible       {layer_id: number of distinct features drawn that pass the filters}
 *   window.parkgisVisibleCount  sum of the above
 *   window.parkgisReady         true when every vector layer on the map has loaded its tiles
 *   #parkgis-count              the same counts, in Chinese
 */
(function () {
  "use strict";

  // Leaflet >= 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3's canvas renderer
  // still calls on click; a no-op keeps clicks working.
  if (L.DomEvent && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function () { return true; };
  }

  var parkgis = (window.parkgis = window.parkgis || {});
  parkgis.layers = {};      // id -> {layer, config}
  parkgis.filters = {};     // filter id -> current value ("" = off)
  parkgis.filterDefs = [];
  parkgis.seen = {};        // id -> {feature key: true}
  parkgis.pending = {};     // id -> tiles loading
  parkgis.loadedOnce = {};
  window.parkgisVisible = {};
  window.parkgisVisibleCount = 0;
  window.parkgisReady = false;

  function num(v) {
    if (v === null || v === undefined || v === "") return null;
    var n = Number(v);
    return isNaN(n) ? null : n;
  }

  function passesFilters(id, props) {
    var cfg = parkgis.layers[id] ? parkgis.layers[id].config : null;
    if (cfg && cfg.only) {
      for (var f in cfg.only) {
        if (cfg.only[f].indexOf(props[f]) < 0) return false;
      }
    }
    for (var i = 0; i < parkgis.filterDefs.length; i++) {
      var def = parkgis.filterDefs[i];
      var value = parkgis.filters[def.id];
      if (value === undefined || value === null || value === "") continue;
      var target = def.targets[id];
      if (def.op === "kind") {
        if (!target || target.value !== value) return false;
        continue;
      }
      if (!target) continue;
      var raw = props[target.field];
      if (def.op === "rank_max") {
        var ranks = def.ranks || {};
        if (ranks[raw] === undefined || ranks[raw] > ranks[value]) return false;
        continue;
      }
      var x = num(raw);
      var limit = num(value);
      if (limit === null) continue;
      if (x === null) return false;
      x = x * (target.scale || 1);
      if (def.op === "min" && x < limit) return false;
      if (def.op === "max" && x > limit) return false;
    }
    return true;
  }

  function pciGrade(props, grades) {
    var pci = num(props.pci);
    if (pci === null) return null;
    var bounds = grades[props.road_class] || grades.branch;
    var names = ["A", "B", "C"];
    for (var i = 0; i < bounds.length; i++) {
      if (pci > bounds[i]) return names[i];
    }
    return "D";
  }

  function colourOf(style, props) {
    var key = style.color_by === "__pci_grade" ? pciGrade(props, style.pci_grades || {}) : props[style.color_by];
    var c = style.colors ? style.colors[key] : undefined;
    return c || style.default_color || "#3388ff";
  }

  function featureKey(props) {
    return props.__key !== undefined ? props.__key : JSON.stringify(props);
  }

  function updateCount() {
    var total = 0, parts = [];
    for (var id in parkgis.layers) {
      var n = Object.keys(parkgis.seen[id] || {}).length;
      window.parkgisVisible[id] = n;
      total += n;
      parts.push(parkgis.layers[id].config.title + " " + n);
    }
    window.parkgisVisibleCount = total;
    var el = document.getElementById("parkgis-count");
    if (el) el.textContent = "显示 / shown: " + parts.join(" · ");
  }

  function updateReady() {
    var ready = true;
    for (var id in parkgis.layers) {
      if (!parkgis.layers[id].layer._map) continue;  // switched off in the layer control
      if (parkgis.pending[id] || !parkgis.loadedOnce[id]) ready = false;
    }
    window.parkgisReady = ready;
  }

  function styleFor(cfg) {
    return function (props) {
      if (!passesFilters(cfg.id, props)) return [];
      (parkgis.seen[cfg.id] = parkgis.seen[cfg.id] || {})[featureKey(props)] = true;
      scheduleCount();
      var s = cfg.style, colour = colourOf(s, props);
      if (s.kind === "point") {
        return { radius: s.radius || 4, fill: true, fillColor: colour, fillOpacity: 0.9, color: "#333", weight: 1 };
      }
      if (s.kind === "line") {
        return { color: colour, weight: s.weight || 2, opacity: 0.95 };
      }
      return { fill: true, fillColor: colour, fillOpacity: s.fill_opacity || 0.5, color: s.stroke || "#444", weight: s.weight || 1 };
    };
  }

  var countTimer = null;
  function scheduleCount() {
    if (countTimer) return;
    countTimer = setTimeout(function () { countTimer = null; updateCount(); }, 50);
  }

  function fmt(value, labels) {
    if (value === null || value === undefined || value === "") return "—";
    if (labels && labels[value] !== undefined) return labels[value];
    if (value === true) return "是";
    if (value === false) return "否";
    // Numbers as offices write them: thousands separators, at most two decimals (1,714,000).
    if (typeof value === "number") return value.toLocaleString("zh-CN", { maximumFractionDigits: 2 });
    return String(value);
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  parkgis.popupHtml = function (cfg, props) {
    var rows = cfg.popup.map(function (p) {
      return "<tr><td class='k'>" + esc(p[1]) + "</td><td>" + esc(fmt(props[p[0]], (cfg.values || {})[p[0]])) + "</td></tr>";
    });
    var html = "<div class='parkgis-popup'><b>" + esc(cfg.title) + "</b><table>" + rows.join("") + "</table>";
    if (cfg.link && props[cfg.link.key] !== undefined && props[cfg.link.key] !== null) {
      var href = cfg.link.template.replace("{" + cfg.link.key + "}", encodeURIComponent(props[cfg.link.key]));
      html += "<a href='" + esc(href) + "' target='_blank'>" + esc(cfg.link.label) + "</a>";
    }
    return html + "</div>";
  };

  parkgis.vectorLayer = function (cfg) {
    var style = styleFor(cfg);
    var styles = new Proxy({}, { get: function () { return style; } });
    var layer = L.vectorGrid.protobuf(cfg.url, {
      rendererFactory: L.svg.tile,  // SVG: reliable clicks (VectorGrid 1.3 canvas hit-testing is off on Leaflet 1.9)
      vectorTileLayerStyles: styles,
      interactive: true,
      minZoom: cfg.min_zoom,
      maxNativeZoom: cfg.max_native_zoom || 22,
      maxZoom: 22,
      fetchOptions: { credentials: "same-origin" },
      getFeatureId: function (f) {
        var key = f.id !== undefined ? f.id : (f.properties.id !== undefined ? f.properties.id : f.properties[cfg.key_field]);
        if (f.properties.id === undefined && f.id !== undefined) f.properties.id = f.id;
        f.properties.__key = key;
        return key;
      },
    });
    parkgis.layers[cfg.id] = { layer: layer, config: cfg };
    parkgis.seen[cfg.id] = {};
    layer.on("loading", function () { parkgis.pending[cfg.id] = true; updateReady(); });
    layer.on("load", function () {
      parkgis.pending[cfg.id] = false; parkgis.loadedOnce[cfg.id] = true; updateCount(); updateReady();
    });
    layer.on("add", function (e) {
      // A layer below its minimum zoom loads nothing: count it as loaded.
      var map = e.target._map;
      if (map && map.getZoom() < cfg.min_zoom) { parkgis.loadedOnce[cfg.id] = true; updateReady(); }
    });
    layer.on("remove", function () {
      parkgis.seen[cfg.id] = {}; parkgis.pending[cfg.id] = false; parkgis.loadedOnce[cfg.id] = true;
      updateCount(); updateReady();
    });
    layer.on("click", function (e) {
      L.popup().setLatLng(e.latlng).setContent(parkgis.popupHtml(cfg, e.layer.properties || {})).openOn(layer._map);
    });
    return layer;
  };

  parkgis.redraw = function () {
    for (var id in parkgis.layers) {
      parkgis.seen[id] = {};
      var layer = parkgis.layers[id].layer;
      if (layer._map) layer.redraw();  // fires "loading" when tiles are requested
    }
    updateCount(); updateReady();
  };

  function control(position, build) {
    var C = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var div = L.DomUtil.create("div", "parkgis-panel");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        build(div);
        return div;
      },
    });
    return new C();
  }

  function buildFilters(div, defs) {
    div.innerHTML = "<h4>筛选 Filters</h4>";
    defs.forEach(function (def) {
      var label = L.DomUtil.create("label", "", div);
      label.appendChild(document.createTextNode(def.label + " "));
      var input;
      if (def.input === "select") {
        input = L.DomUtil.create("select", "", label);
        def.options.forEach(function (o) {
          var opt = document.createElement("option");
          opt.value = o[0]; opt.textContent = o[1]; input.appendChild(opt);
        });
      } else {
        input = L.DomUtil.create("input", "", label);
        input.type = "number"; input.step = "any"; input.min = "0";
      }
      input.id = "parkgis-filter-" + def.id;
      input.name = def.id;
      input.addEventListener("change", function () {
        parkgis.filters[def.id] = input.value;
        parkgis.redraw();
      });
    });
    var count = L.DomUtil.create("div", "", div);
    count.id = "parkgis-count";
  }

  function buildLegend(div, legend, notes) {
    var html = "<h4>图例 Legend</h4>";
    legend.forEach(function (section) {
      html += "<div class='section'>" + esc(section.title) + "</div>";
      section.items.forEach(function (it) {
        html += "<div><i class='" + (section.kind === "line" ? "line" : "") + "' style='background:" + esc(it[0]) + "'></i>" + esc(it[1]) + "</div>";
      });
    });
    (notes || []).forEach(function (n) { html += "<div class='parkgis-note'>" + esc(n) + "</div>"; });
    div.className += " parkgis-legend";
    div.innerHTML = html;
  }

  function buildSearch(div, map, url) {
    div.innerHTML = "<h4>地块查询 Find a parcel</h4>";
    var form = L.DomUtil.create("form", "", div);
    var input = L.DomUtil.create("input", "", form);
    input.type = "search"; input.id = "parkgis-search"; input.placeholder = "地块编号 plot no.";
    var button = L.DomUtil.create("button", "", form);
    button.type = "submit"; button.textContent = "查询";
    var results = L.DomUtil.create("div", "parkgis-results", div);
    results.id = "parkgis-search-results";
    var box = null;
    function show(hit) {
      var b = hit.bbox, bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
      if (box) map.removeLayer(box);
      box = L.rectangle(bounds, { color: "#ff00ff", weight: 3, fill: false, dashArray: "6 4" }).addTo(map);
      map.fitBounds(bounds, { maxZoom: 18, padding: [40, 40], animate: false });
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      results.textContent = "…";
      fetch(url + "?q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          var hits = body.results || [];
          results.innerHTML = hits.length ? "" : "未找到 / not found";
          hits.forEach(function (hit) {
            var a = L.DomUtil.create("a", "", results);
            a.textContent = hit.plot_no + (hit.name ? " " + hit.name : "");
            a.addEventListener("click", function () { show(hit); });
          });
          window.parkgisLastSearch = hits;
          if (hits.length) show(hits[0]);
        });
    });
  }

  parkgis.controls = function (map, cfg) {
    parkgis.filterDefs = cfg.filters || [];
    if (cfg.no_basemap) map.getContainer().className += " parkgis-nobasemap";
    if (cfg.filters && cfg.filters.length) control("topleft", function (div) { buildFilters(div, cfg.filters); }).addTo(map);
    else control("bottomleft", function (div) { var c = L.DomUtil.create("div", "", div); c.id = "parkgis-count"; }).addTo(map);
    if (cfg.search_url) control("topleft", function (div) { buildSearch(div, map, cfg.search_url); }).addTo(map);
    control("bottomright", function (div) { buildLegend(div, cfg.legend || [], cfg.notes || []); }).addTo(map);
    updateCount(); updateReady();
  };
})();
