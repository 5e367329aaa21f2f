/* Charts of the campaign overview, drawn with the vendored Chart.js from the
   numbers the page embeds with Django's json_script (id "overview-data"). */
(function () {
  "use strict";

  var source = document.getElementById("overview-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var text = data.text;
  var lang = document.documentElement.lang || "vi";
  var number = new Intl.NumberFormat(lang);
  var BLUE = "#0b5394";
  var ORANGE = "#e69138";
  var GREY = "#b7c3d0";
  var PALETTE = [BLUE, ORANGE, "#38761d", "#8e7cc3", "#c27ba0", "#45818e"];

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;

  var progress = document.getElementById("progress-chart");
  if (progress) {
    // The bar chart grows with its rows: the box's height comes as data, not as a style
    // attribute, which the Content-Security-Policy refuses.
    var box = progress.parentNode;
    var height = parseInt(box.getAttribute("data-chart-height"), 10);
    if (height > 0) {
      box.style.height = height + "px";
    }
    new Chart(progress, {
      type: "bar",
      data: {
        labels: data.progress.labels,
        datasets: [
          { label: text.counted, data: data.progress.counted, backgroundColor: BLUE },
          { label: text.plan, data: data.progress.plan, backgroundColor: GREY }
        ]
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              afterBody: function (items) {
                var percent = data.progress.percent[items[0].dataIndex];
                return percent === null ? "" : number.format(percent) + "% " + text.percentOfPlan;
              }
            }
          }
        },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  var daily = document.getElementById("daily-chart");
  if (daily) {
    new Chart(daily, {
      type: "line",
      data: {
        labels: data.daily.labels.map(function (day) {
          var parts = day.split("-");
          return parts[2] + "/" + parts[1];
        }),
        datasets: data.daily.series.map(function (series, index) {
          var colour = PALETTE[index % PALETTE.length];
          return {
            label: series.label,
            data: series.data,
            borderColor: colour,
            backgroundColor: colour,
            pointRadius: 0,
            borderWidth: 2,
            tension: 0.2
          };
        })
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { ticks: { maxTicksLimit: 8, autoSkip: true } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  var channels = document.getElementById("channel-chart");
  if (channels) {
    new Chart(channels, {
      type: "doughnut",
      data: {
        labels: data.channels.labels,
        datasets: [{ data: data.channels.data, backgroundColor: PALETTE }]
      },
      options: { plugins: { legend: { position: "bottom" } } }
    });
  }
})();
