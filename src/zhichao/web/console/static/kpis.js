// 考核看板: each goal's month trend against its target, and the overload bands, drawn with ECharts (served by
// the app, /static/vendor/echarts). The numbers themselves are in the page; the charts only show their shape.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kpi-data").textContent);
  if (!window.echarts) { return; }
  var font = '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  var charts = [];

  function trend(el) {
    var s = data.series[el.getAttribute("data-kpi")];
    if (!s || data.months.length === 0) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: font },
      grid: { left: 42, right: 8, top: 10, bottom: 22 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(2) + "%"; } },
      xAxis: { type: "category", data: data.months, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", min: 0, axisLabel: { fontSize: 10, formatter: "{value}%" }, splitNumber: 3 },
      series: [
        { name: s.label, type: data.months.length > 1 ? "line" : "bar", data: s.values, connectNulls: false,
          barMaxWidth: 28, itemStyle: { color: "#1a5fb4" }, symbolSize: 6 },
        { name: "目标", type: "line", data: s.targets, step: "middle", symbol: "none",
          lineStyle: { type: "dashed", color: "#b42318", width: 1 } }
      ]
    });
    charts.push(chart);
  }

  function bands(el) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: font },
      grid: { left: 56, right: 12, top: 16, bottom: 48 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.bands.names, name: "超限幅度", nameLocation: "middle", nameGap: 32,
               axisLabel: { fontSize: 10, interval: 0, rotate: 30 } },
      yAxis: { type: "value", name: "辆次", minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [{ type: "bar", data: data.bands.trucks, itemStyle: { color: "#d68a00" }, barMaxWidth: 32 }]
    });
    charts.push(chart);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".kpi-trend"), trend);
  var b = document.getElementById("bands-chart");
  if (b) { bands(b); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.setAttribute("data-charts", String(charts.length));
})();
