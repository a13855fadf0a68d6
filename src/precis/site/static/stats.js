// Précis archive statistics: charts with Chart.js and the reference graph with Cytoscape.js (both vendored).
(function () {
  "use strict";
  var root = new URL(document.body.dataset.root || "./", window.location.href);
  var style = getComputedStyle(document.documentElement);
  function css(name) { return style.getPropertyValue(name).trim(); }
  var palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

  function load(name) {
    return fetch(new URL("data/" + name, root)).then(function (r) {
      if (!r.ok) throw new Error(name + ": " + r.status);
      return r.json();
    });
  }

  function charts(data) {
    Chart.defaults.color = css("--fg");
    Chart.defaults.borderColor = css("--line");
    var t = data.timeline;
    new Chart(document.getElementById("chart-timeline"), {
      type: "bar",
      data: {
        labels: t.labels,
        datasets: t.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: palette[i % palette.length] };
        }),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "entries" } } },
      },
    });
    new Chart(document.getElementById("chart-summarizers"), {
      type: "bar",
      data: { labels: data.summarizers.labels, datasets: [{ label: "summaries", data: data.summarizers.data, backgroundColor: palette[0] }] },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } },
    });
    var ref = data.referenced;
    new Chart(document.getElementById("chart-referenced"), {
      type: "bar",
      data: {
        labels: ref.labels.map(function (l) { return l.length > 60 ? l.slice(0, 57) + "…" : l; }),
        datasets: [{ label: "later summaries referring to it", data: ref.data, backgroundColor: palette[2] }],
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false } },
        onClick: function (_event, elements) {
          if (elements.length) window.location.href = new URL(ref.paths[elements[0].index], root).href;
        },
      },
    });
  }

  function graph(data) {
    var select = document.getElementById("graph-entry");
    var listing = document.getElementById("graph-list");
    var nodes = {};
    data.nodes.forEach(function (n) { nodes[n.id] = n; });
    var cy = cytoscape({
      container: document.getElementById("graph"),
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 9, "color": css("--fg"), "background-color": palette[0], "text-wrap": "ellipsis", "text-max-width": 140, "width": 14, "height": 14 } },
        { selector: "node.center", style: { "background-color": palette[2], "width": 24, "height": 24, "font-weight": "bold" } },
        { selector: "edge", style: { "width": 1.5, "line-color": css("--muted"), "target-arrow-color": css("--muted"), "target-arrow-shape": "triangle", "curve-style": "bezier" } },
      ],
      userZoomingEnabled: true, boxSelectionEnabled: false, autoungrabify: true, maxZoom: 1.4, minZoom: 0.2,
    });
    cy.on("tap", "node", function (event) {
      window.location.href = new URL(nodes[event.target.id()].path, root).href;
    });
    function show(slug) {
      if (!nodes[slug]) return;
      var keep = {}; keep[slug] = true;
      var edges = data.edges.filter(function (e) { return e[0] === slug || e[1] === slug; });
      edges.forEach(function (e) { keep[e[0]] = true; keep[e[1]] = true; });
      var elements = Object.keys(keep).map(function (id) {
        var n = nodes[id];
        return { data: { id: id, label: n.title + (n.issue ? " (" + n.issue + ")" : "") }, classes: id === slug ? "center" : "" };
      }).concat(edges.map(function (e, i) { return { data: { id: "e" + i, source: e[0], target: e[1] } }; }));
      cy.elements().remove();
      cy.add(elements);
      cy.layout({ name: "concentric", concentric: function (n) { return n.hasClass("center") ? 2 : 1; }, levelWidth: function () { return 1; }, minNodeSpacing: 80, animate: false, padding: 30 }).run();
      listing.replaceChildren.apply(listing, Object.keys(keep).filter(function (id) { return id !== slug; }).map(function (id) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = new URL(nodes[id].path, root).href;
        a.textContent = nodes[id].title;
        li.appendChild(a);
        var rel = data.edges.some(function (e) { return e[0] === slug && e[1] === id; }) ? "referred to" : "refers to it";
        li.appendChild(document.createTextNode(" — " + rel));
        return li;
      }));
    }
    var wanted = (window.location.hash.match(/graph=([^&]+)/) || [])[1];
    if (wanted && nodes[decodeURIComponent(wanted)]) select.value = decodeURIComponent(wanted);
    select.addEventListener("change", function () {
      window.history.replaceState(null, "", "#graph=" + select.value);
      show(select.value);
    });
    if (select.value) show(select.value);
  }

  Promise.all([load("charts.json"), load("references.json")]).then(function (all) {
    charts(all[0]);
    graph(all[1]);
  }).catch(function (error) {
    console.warn("statistics: " + error.message);
  });
})();
