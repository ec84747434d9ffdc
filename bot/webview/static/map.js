// The peta rawan: the jurisdiction's kecamatan coloured by band; a click shows the score and links to the reports.
// Texts come from the page's data attributes (the message catalogue); names are set as text, never as HTML.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: false });

  function popup(p) {
    var box = document.createElement("div");
    box.className = "popup";
    var title = document.createElement("strong");
    title.textContent = p.name;
    box.appendChild(title);
    var where = document.createElement("div");
    where.className = "muted";
    where.textContent = p.kabkota;
    box.appendChild(where);
    var score = document.createElement("div");
    score.textContent = (p.score === null ? p.band_label :
      el.dataset.score + " " + p.score + " (" + p.band_label + ")") + " · " + el.dataset.reports + ": " + p.reports;
    box.appendChild(score);
    var link = document.createElement("a");
    link.href = p.url;
    link.className = "open-kecamatan";
    link.textContent = el.dataset.open;
    box.appendChild(link);
    return box;
  }

  // Grey hatching for kecamatan without reports (///) and without a Siaga office (xxx), in the server's colours.
  function hatches(svg, features) {
    var ns = "http://www.w3.org/2000/svg", defs = document.createElementNS(ns, "defs"), made = {};
    features.forEach(function (f) {
      var p = f.properties;
      if (!p.pattern || made[p.pattern]) { return; }
      made[p.pattern] = true;
      var pattern = document.createElementNS(ns, "pattern");
      pattern.setAttribute("id", p.pattern);
      pattern.setAttribute("patternUnits", "userSpaceOnUse");
      pattern.setAttribute("width", "6");
      pattern.setAttribute("height", "6");
      var ground = document.createElementNS(ns, "rect");
      ground.setAttribute("width", "6");
      ground.setAttribute("height", "6");
      ground.setAttribute("fill", p.colour);
      pattern.appendChild(ground);
      var strokes = p.pattern === "no-office" ? ["M0 6L6 0", "M0 0L6 6"] : ["M0 6L6 0"];
      strokes.forEach(function (d) {
        var line = document.createElementNS(ns, "path");
        line.setAttribute("d", d);
        line.setAttribute("stroke", p.hatch);
        line.setAttribute("stroke-width", "1");
        pattern.appendChild(line);
      });
      defs.appendChild(pattern);
    });
    svg.insertBefore(defs, svg.firstChild);
  }

  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (data) {
      var areas = data.features.filter(function (f) { return !f.properties.outline; });
      var borders = data.features.filter(function (f) { return f.properties.outline; });
      var layer = L.geoJSON(areas, {
        style: function (f) {
          var fill = f.properties.pattern ? "url(#" + f.properties.pattern + ")" : f.properties.colour;
          return { color: "#ffffff", weight: 0.8, fillColor: fill, fillOpacity: 0.9,
                   className: "kec kec-" + f.properties.code.replace(/\./g, "-") };
        },
        onEachFeature: function (f, shape) {
          shape.bindPopup(popup(f.properties));
          shape.bindTooltip(f.properties.name, { sticky: true });
          shape.on("mouseover", function () { shape.setStyle({ weight: 2.5, color: "#222222" }); });
          shape.on("mouseout", function () { layer.resetStyle(shape); });
        }
      }).addTo(map);
      L.geoJSON(borders, { interactive: false, style: function () {
        return { color: "#3a3a3a", weight: 1.6, fill: false, className: "kabkota" };
      } }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      // The SVG exists once the map has a view.
      hatches(map.getPanes().overlayPane.querySelector("svg"), areas);
      el.setAttribute("data-ready", String(areas.length));
    })
    .catch(function (error) {
      el.setAttribute("data-ready", "error");
      window.console.error(error);
    });
})();
