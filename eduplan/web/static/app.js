/* eduplan web: the page behaviour, no framework (CSP script-src 'self': no eval, no inline handlers).
 *
 * - Charts: every element with data-chart="ID" is drawn with the locally served ECharts from the option in
 *   <script type="application/json" id="ID">; elements with class "spark" accept either a full option or a
 *   small spec {"data": [...], "target": n, "years": [...]} (or a bare array of numbers) and get a sparkline
 *   ("无数据" and class chart-empty when the spec holds no number).
 *   Strings "fmt:D" or "fmt:D:SUFFIX" as a formatter / valueFormatter become number formatters (D decimals).
 *   A drawn chart gets data-chart-ready="1" (tests and screenshots wait for it).
 * - data-confirm="文本" on a form (asked on submit) or on a button / link (asked on click).
 * - GET forms leave their empty fields out of the URL (an empty filter means "not chosen").
 * - data-autosubmit on a select or input: submits its form when the value changes.
 * - data-filter-table="tableId" on a text box: hides that table's body rows not containing the text.
 * - window.eduplan.fetchJSON / postJSON / postForm: same-origin requests carrying the CSRF token of
 *   <meta name="csrf-token"> as header X-CSRF-Token.
 */
(function () {
  "use strict";

  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function request(url, options) {
    options = options || {};
    var headers = new Headers(options.headers || {});
    var method = (options.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") headers.set("X-CSRF-Token", csrfToken());
    headers.set("Accept", "application/json");
    return fetch(url, {
      method: method,
      headers: headers,
      body: options.body,
      credentials: "same-origin",
      redirect: "follow"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var parsed = type.indexOf("json") >= 0 ? response.json() : response.text();
      return parsed.then(function (body) {
        if (!response.ok) {
          var detail = body && body.detail ? body.detail : "请求失败（HTTP " + response.status + "）";
          var error = new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
          error.status = response.status;
          error.body = body;
          throw error;
        }
        return body;
      });
    });
  }

  function postJSON(url, data) {
    return request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(data)
    });
  }

  function postForm(url, formData) {
    return request(url, { method: "POST", body: formData });
  }

  /* ------------------------------------------------------------------ charts */

  function formatter(spec) {
    var parts = spec.split(":");
    var decimals = parseInt(parts[1], 10);
    var suffix = parts.slice(2).join(":");
    if (isNaN(decimals)) decimals = 0;
    return function (value) {
      if (value && typeof value === "object" && "value" in value) value = value.value;
      if (Array.isArray(value)) value = value[value.length - 1];
      if (value === null || value === undefined || value === "" || isNaN(value)) return "—";
      return Number(value).toLocaleString("zh-CN", {
        minimumFractionDigits: decimals,
        maximumFractionDigits: decimals
      }) + suffix;
    };
  }

  function resolveFormatters(node) {
    if (Array.isArray(node)) {
      node.forEach(resolveFormatters);
    } else if (node && typeof node === "object") {
      Object.keys(node).forEach(function (key) {
        var value = node[key];
        if ((key === "formatter" || key === "valueFormatter") && typeof value === "string" &&
            value.indexOf("fmt:") === 0) {
          node[key] = formatter(value);
        } else {
          resolveFormatters(value);
        }
      });
    }
    return node;
  }

  function sparkValues(spec) {
    var data = Array.isArray(spec) ? spec : (spec && spec.data) || [];
    return data.map(function (v) {
      if (v && typeof v === "object") v = Array.isArray(v) ? v[v.length - 1] : v.value;
      return v;
    }).filter(function (v) { return typeof v === "number" && isFinite(v); });
  }

  function sparkOption(spec) {
    if (Array.isArray(spec)) spec = { data: spec };
    var data = spec.data || [];
    var option = {
      animation: false,
      grid: { left: 2, right: 2, top: 3, bottom: 3 },
      xAxis: { type: "category", show: false, boundaryGap: false, data: spec.years || data.map(function (_, i) { return i; }) },
      yAxis: { type: "value", show: false, scale: true },
      tooltip: { trigger: "axis", confine: true, valueFormatter: formatter("fmt:" + (spec.decimals === undefined ? 1 : spec.decimals)) },
      series: [{
        type: "line",
        data: data,
        symbol: "none",
        connectNulls: false,
        lineStyle: { width: 1.5, color: spec.color || "#2f6fb0" },
        areaStyle: { color: spec.color || "#2f6fb0", opacity: 0.08 }
      }]
    };
    if (spec.target !== undefined && spec.target !== null) {
      option.series[0].markLine = {
        silent: true,
        symbol: "none",
        label: { show: false },
        lineStyle: { type: "dashed", color: "#999", width: 1 },
        data: [{ yAxis: spec.target }]
      };
    }
    return option;
  }

  function chartMessage(element, text) {
    element.classList.add("chart-missing");
    element.textContent = text;
  }

  var charts = [];

  function drawChart(element) {
    var id = element.getAttribute("data-chart");
    var source = id ? document.getElementById(id) : null;
    if (!source || source.type !== "application/json") {
      chartMessage(element, "图表数据缺失（" + id + "）");
      return;
    }
    if (!window.echarts) {
      chartMessage(element, "图表组件未加载（/static/vendor/echarts.min.js 缺失，请运行 tools/fetch_assets.py）");
      return;
    }
    var option;
    try {
      option = JSON.parse(source.textContent);
    } catch (e) {
      chartMessage(element, "图表数据无法读取（" + id + "）");
      return;
    }
    if (element.classList.contains("spark") && (Array.isArray(option) || !option.series)) {
      if (!sparkValues(option).length) {  // nothing to draw: say so instead of an empty frame
        element.classList.add("chart-empty");
        element.textContent = "无数据";
        element.setAttribute("data-chart-ready", "1");
        return;
      }
      option = sparkOption(option);
    }
    resolveFormatters(option);
    if (reducedMotion) option.animation = false;
    var chart = window.echarts.init(element, null, { renderer: "canvas", locale: "ZH" });
    chart.on("finished", function () { element.setAttribute("data-chart-ready", "1"); });
    chart.setOption(option);
    charts.push(chart);
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.resize(); }).observe(element);
    }
  }

  function drawCharts(root) {
    var elements = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(elements, function (element) {
      if (!element.hasAttribute("data-chart-drawn")) {
        element.setAttribute("data-chart-drawn", "1");
        drawChart(element);
      }
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (chart) { chart.resize(); });
    }, 150);
  });

  /* ------------------------------------------------------------------ confirmations, auto-submit, filters */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var text = form.getAttribute && form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
      return;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() === "get") leaveOutEmpty(form);
  }, true);

  /* A GET filter form sends only the fields that have a value: ?year=2020, not ?year=2020&zone= (an empty
     field means "not chosen"). The fields are disabled while the URL is built, then enabled again. */
  function leaveOutEmpty(form) {
    var emptied = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      var plain = el.tagName === "SELECT" || (el.tagName === "INPUT" && /^(text|search|date|number|hidden|)$/.test(el.type));
      if (el.name && !el.disabled && plain && el.value === "") {
        el.disabled = true;
        emptied.push(el);
      }
    });
    setTimeout(function () { emptied.forEach(function (el) { el.disabled = false; }); }, 0);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button[data-confirm], a[data-confirm], input[data-confirm]") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.hasAttribute && target.hasAttribute("data-autosubmit") && target.form) {
      if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
    }
  });

  function filterTable(input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) return;
    var needle = input.value.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var match = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0;
        row.hidden = !match;
        if (match) shown += 1;
      });
    });
    var counter = input.getAttribute("data-filter-count");
    var counterElement = counter ? document.getElementById(counter) : null;
    if (counterElement) counterElement.textContent = String(shown);
  }

  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-filter-table")) filterTable(event.target);
  });

  function start() {
    drawCharts(document);
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-table]"), function (input) {
      if (input.value) filterTable(input);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  window.eduplan = {
    csrfToken: csrfToken,
    fetchJSON: request,
    postJSON: postJSON,
    postForm: postForm,
    drawCharts: drawCharts,
    charts: charts
  };
})();
