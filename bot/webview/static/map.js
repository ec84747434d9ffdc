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

  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#ffffff", weight: 0.8, fillColor: f.properties.colour, fillOpacity: 0.9,
                   className: "kec kec-" + f.properties.code.replace(/\./g, "-") };
        },
        onEachFeature: function (f, shape) {
          shape.bindPopup(popup(f.properties));
          shape.bindTooltip(f.properties.name, { sticky: true });
          shape.on("mouseover", function () { shape.setStyle({ weight: 2.5, color: "#222222" }); });
          shape.on("mouseout", function () { layer.resetStyle(shape); });
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      el.setAttribute("data-ready", String(data.features.length));
    })
    .catch(function () { el.setAttribute("data-ready", "error"); });
})();
