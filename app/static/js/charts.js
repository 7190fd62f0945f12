// Draws the progress charts from data the page carries in data-chart
// attributes; each chart has a table beside it with the same numbers.
(function () {
  "use strict";
  if (!window.Chart) return;
  const style = getComputedStyle(document.documentElement);
  const accent = style.getPropertyValue("--accent").trim() || "#4338ca";
  const text = style.getPropertyValue("--text-muted").trim() || "#4b5565";
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const spec = JSON.parse(canvas.getAttribute("data-chart"));
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: [{
          label: spec.label,
          data: spec.values.map(function (v) { return Math.round(v * 100); }),
          borderColor: accent,
          backgroundColor: accent,
          tension: 0.2,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : undefined,
        indexAxis: spec.type === "bar" ? "y" : "x",
        scales: {
          x: { ticks: { color: text }, min: spec.type === "bar" ? 0 : undefined, max: spec.type === "bar" ? 100 : undefined },
          y: { ticks: { color: text }, min: spec.type === "line" ? 0 : undefined, max: spec.type === "line" ? 100 : undefined },
        },
        plugins: { legend: { labels: { color: text } } },
      },
    });
  });
})();
