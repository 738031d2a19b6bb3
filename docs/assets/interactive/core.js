/* dmm-edu interactive figures: the shared drawing kit (plain JavaScript, no library, no request).
 *
 * A chapter holds <div class="dmm-interactive" data-name="E1-scrub">, followed by the data script
 * that dmm_edu.interactive exported from the saved results (window.DMM_INTERACTIVE[name]). Each
 * figure's own script calls DMMI.register(name, build); at load, build(root, data, kit) makes
 * the controls and returns a draw() function, which the kit calls again whenever a control
 * moves, the figure's width changes or the reader switches between light and dark.
 *
 * Every figure exposes what it shows in data-* attributes of its readout (the value a label
 * shows, unrounded), so a test can compare them with the result; tests/test_site_interactive.py.
 */
(function () {
  "use strict";
  const builders = {};
  const drawn = [];

  /* ----------------------------------------------------------------------------- data */
  function grid(enc) {  // dmm_edu.interactive.grid: base64 int16, -32768 = NaN
    const bin = atob(enc.b64), n = bin.length / 2, out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let v = bin.charCodeAt(2 * i) | (bin.charCodeAt(2 * i + 1) << 8);
      if (v >= 32768) v -= 65536;
      out[i] = v === -32768 ? NaN : v * enc.scale;
    }
    out.shape = enc.shape;
    return out;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    const d = digits === undefined ? 2 : digits;
    if (v !== 0 && Math.abs(v) < Math.pow(10, -d)) return v.toExponential(1);
    return Number(v).toFixed(d);
  }
  function pct(v) { return (v === null || !isFinite(v)) ? "–" : Math.round(100 * v) + " %"; }
  function thousands(v) { return Math.round(v).toLocaleString("en-US"); }

  /* --------------------------------------------------------------------------- colours */
  function scheme() {  // the page's colours: mkdocs-material's CSS variables, read at draw time
    const css = getComputedStyle(document.body);
    const get = (name, fallback) => (css.getPropertyValue(name) || "").trim() || fallback;
    const dark = (document.body.getAttribute("data-md-color-scheme") || "") === "slate";
    return {
      dark: dark,
      fg: get("--md-default-fg-color", dark ? "#e2e4e9" : "#000000de"),
      muted: get("--md-default-fg-color--light", dark ? "#e2e4e98f" : "#0000008a"),
      faint: get("--md-default-fg-color--lightest", dark ? "#e2e4e91f" : "#00000012"),
      bg: get("--md-default-bg-color", dark ? "#1e2129" : "#ffffff"),
      font: get("--md-text-font-family", "") || "sans-serif",
    };
  }
  function hexRgb(hex) {
    const h = hex.replace("#", "");
    return [0, 2, 4].map(i => parseInt(h.slice(i, i + 2), 16));
  }
  function cssRgb(colour) {  // any CSS colour -> [r, g, b] (via a 1x1 canvas)
    const c = document.createElement("canvas").getContext("2d");
    c.fillStyle = "#000"; c.fillStyle = colour; c.fillRect(0, 0, 1, 1);
    const d = c.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2]];
  }
  function mix(a, b, t) { return [0, 1, 2].map(i => Math.round(a[i] + (b[i] - a[i]) * t)); }
  /* the book's diverging scale (dmm_edu.palette.DIVERGING): below -> the page's background -> above,
     so that zero is "no colour" in both schemes */
  function diverging(t, below, above, bg) {
    if (!isFinite(t)) return null;
    t = Math.max(-1, Math.min(1, t));
    return t < 0 ? mix(bg, below, -t) : mix(bg, above, t);
  }

  /* --------------------------------------------------------------------------- elements */
  function el(tag, attrs, parent) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    if (parent) parent.appendChild(e);
    return e;
  }
  let counter = 0;
  function uid(prefix) { counter += 1; return `${prefix}-${counter}`; }

  /* A range input over the indices 0 … n-1 (arrow keys, Page Up/Down, Home/End all work), its label,
     and the text of the current position (also its aria-valuetext). onchange(index). */
  function slider(parent, opts) {
    const wrap = el("div", {class: "dmm-int-control"}, parent);
    const id = uid("dmm-int-slider");
    el("label", {for: id, text: opts.label}, wrap);
    const input = el("input", {type: "range", id: id, min: 0, max: opts.n - 1, step: 1,
                               value: opts.value === undefined ? 0 : opts.value}, wrap);
    const out = el("output", {for: id, class: "dmm-int-slider-value"}, wrap);
    const show = () => {
      const text = opts.text(+input.value);
      out.textContent = text;
      input.setAttribute("aria-valuetext", text);
    };
    input.addEventListener("input", () => { show(); opts.onchange(+input.value); });
    show();
    return {input: input, get value() { return +input.value; }, set: i => { input.value = i; show(); }};
  }

  /* A <select> of options [{value, text}]; onchange(value). */
  function select(parent, opts) {
    const wrap = el("div", {class: "dmm-int-control"}, parent);
    const id = uid("dmm-int-select");
    el("label", {for: id, text: opts.label}, wrap);
    const s = el("select", {id: id}, wrap);
    for (const o of opts.options) el("option", {value: o.value, text: o.text}, s);
    if (opts.value !== undefined) s.value = opts.value;
    s.addEventListener("change", () => opts.onchange(s.value));
    return s;
  }

  /* A canvas sized to its box's width (CSS px) at the screen's pixel density; height = width * aspect
     (at most maxHeight). draw() receives a 2-D context in CSS pixels. */
  function canvas(parent, opts) {
    const c = el("canvas", {class: "dmm-int-canvas", role: "img", "aria-label": opts.label}, parent);
    c.dmm = {aspect: opts.aspect || 0.6, maxHeight: opts.maxHeight || 420, minHeight: opts.minHeight || 160};
    return c;
  }
  function context(c) {
    const w = Math.max(200, Math.round(c.parentElement.getBoundingClientRect().width));
    const h = Math.round(Math.max(c.dmm.minHeight, Math.min(c.dmm.maxHeight, w * c.dmm.aspect)));
    const r = window.devicePixelRatio || 1;
    if (c.width !== Math.round(w * r) || c.height !== Math.round(h * r)) {
      c.width = Math.round(w * r); c.height = Math.round(h * r);
      c.style.width = w + "px"; c.style.height = h + "px";
    }
    const ctx = c.getContext("2d");
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.w = w; ctx.h = h;
    return ctx;
  }

  /* ------------------------------------------------------------------------------ plots */
  function font(ctx, px) { ctx.font = `${px}px ${scheme().font}`; }

  /* A heat map of values[i * nx + j] (row i = y index from the bottom) into the box {x, y, w, h}:
     colour(v) -> [r, g, b] or null (drawn as the missing colour). */
  function heatmap(ctx, box, values, nx, ny, colour, missing) {
    const img = document.createElement("canvas");
    img.width = nx; img.height = ny;
    const ic = img.getContext("2d"), data = ic.createImageData(nx, ny);
    for (let i = 0; i < ny; i++) {
      for (let j = 0; j < nx; j++) {
        const rgb = colour(values[i * nx + j]) || missing;
        const k = 4 * ((ny - 1 - i) * nx + j);
        data.data[k] = rgb[0]; data.data[k + 1] = rgb[1]; data.data[k + 2] = rgb[2]; data.data[k + 3] = 255;
      }
    }
    ic.putImageData(data, 0, 0);
    ctx.save();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, box.x, box.y, box.w, box.h);
    ctx.restore();
  }

  /* Axes for a plot area: returns {box, X(v), Y(v)} mapping data to CSS px. opts: xlim, ylim,
     xlog, xlabel, ylabel, xticks, yticks, pad. */
  function axes(ctx, opts) {
    const s = scheme(), pad = Object.assign({l: 52, r: 12, t: 12, b: 40}, opts.pad || {});
    const box = {x: pad.l, y: pad.t, w: ctx.w - pad.l - pad.r, h: ctx.h - pad.t - pad.b};
    const [x0, x1] = opts.xlim, [y0, y1] = opts.ylim;
    const tx = v => opts.xlog ? Math.log10(v) : v;
    const X = v => box.x + (tx(v) - tx(x0)) / (tx(x1) - tx(x0)) * box.w;
    const Y = v => box.y + box.h - (v - y0) / (y1 - y0) * box.h;
    ctx.save();
    ctx.strokeStyle = s.muted; ctx.fillStyle = s.fg; ctx.lineWidth = 1;
    ctx.strokeRect(box.x, box.y, box.w, box.h);
    font(ctx, 13);
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of opts.xticks || []) {
      const v = Array.isArray(t) ? t[0] : t, label = Array.isArray(t) ? t[1] : String(t);
      ctx.beginPath(); ctx.moveTo(X(v), box.y + box.h); ctx.lineTo(X(v), box.y + box.h + 4); ctx.stroke();
      ctx.fillText(label, X(v), box.y + box.h + 6);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of opts.yticks || []) {
      const v = Array.isArray(t) ? t[0] : t, label = Array.isArray(t) ? t[1] : String(t);
      ctx.beginPath(); ctx.moveTo(box.x - 4, Y(v)); ctx.lineTo(box.x, Y(v)); ctx.stroke();
      ctx.fillText(label, box.x - 6, Y(v));
    }
    if (opts.xlabel) { ctx.textAlign = "center"; ctx.textBaseline = "bottom"; ctx.fillText(opts.xlabel, box.x + box.w / 2, ctx.h - 2); }
    if (opts.ylabel) ylabel(ctx, opts.ylabel, 13, box.y + box.h / 2);
    ctx.restore();
    return {box: box, X: X, Y: Y};
  }

  /* A vertical axis label, rotated to read bottom to top, centred at (x, y), in the current font and fill. */
  function ylabel(ctx, text, x, y) {
    ctx.save(); ctx.translate(x, y); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.fillText(text, 0, 0); ctx.restore();
  }

  /* A vertical colour bar in the box (x, y, w, h): each pixel row gets rgbAt(f), f from +1 at the top to -1 at
     the bottom. */
  function colourBar(ctx, x, y, w, h, rgbAt) {
    for (let k = 0; k < h; k++) {
      const rgb = rgbAt(1 - 2 * k / h);
      ctx.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`; ctx.fillRect(x, y + k, w, 1);
    }
  }

  /* A polyline through (xs[i], ys[i]) (gaps at non-finite values). */
  function line(ctx, ax, xs, ys, colour, opts) {
    opts = opts || {};
    ctx.save();
    ctx.beginPath(); ctx.rect(ax.box.x, ax.box.y, ax.box.w, ax.box.h); ctx.clip();
    ctx.strokeStyle = colour; ctx.lineWidth = opts.width || 2; ctx.setLineDash(opts.dash || []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const ok = ys[i] !== null && isFinite(ys[i]) && isFinite(ax.X(xs[i]));
      if (!ok) { pen = false; continue; }
      if (pen) ctx.lineTo(ax.X(xs[i]), ax.Y(ys[i])); else ctx.moveTo(ax.X(xs[i]), ax.Y(ys[i]));
      pen = true;
    }
    ctx.stroke();
    ctx.restore();
  }
  function dot(ctx, x, y, r, fill, stroke) {
    ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
    if (fill) { ctx.fillStyle = fill; ctx.fill(); }
    if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = 1.5; ctx.stroke(); }
  }
  /* A legend of [{text, colour, dash}] at (x, y), one row each. */
  function legend(ctx, x, y, items) {
    const s = scheme();
    ctx.save(); font(ctx, 13); ctx.textBaseline = "middle"; ctx.textAlign = "left";
    items.forEach((it, i) => {
      const yy = y + 9 + i * 18;
      ctx.strokeStyle = it.colour; ctx.lineWidth = 2; ctx.setLineDash(it.dash || []);
      ctx.beginPath(); ctx.moveTo(x, yy); ctx.lineTo(x + 22, yy); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = s.fg; ctx.fillText(it.text, x + 28, yy);
    });
    ctx.restore();
  }

  /* About `count` round values between lo and hi, as [value, label] pairs (labels with just enough decimals). */
  function ticks(lo, hi, count) {
    const raw = (hi - lo) / count, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map(m => m * p).find(s => s >= raw);
    const first = Math.ceil(lo / step - 1e-9) * step, values = [];
    for (let v = first; v <= hi + 1e-9 * step; v += step) values.push(Math.abs(v) < 1e-12 * step ? 0 : +v.toPrecision(10));
    const dec = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / p === 2.5 ? 1 : 0));
    return values.map(v => [v, v.toFixed(dec)]);
  }

  /* The zero line of values[i * nx + j] (row i along y) as polylines of [j, i] grid coordinates
     (fractional), by marching squares, joined end to end so that a dashed line runs on; NaN cells
     are skipped, a saddle is split by the cell's mean. */
  function contour(values, nx, ny) {
    const pts = {}, segs = [], adj = {};
    const pos = v => v > 0;
    const edge = (id, x0, y0, v0, x1, y1, v1) => {
      if (!(id in pts)) { const t = v0 / (v0 - v1); pts[id] = [x0 + t * (x1 - x0), y0 + t * (y1 - y0)]; }
      return id;
    };
    for (let i = 0; i < ny - 1; i++) {
      for (let j = 0; j < nx - 1; j++) {
        const a = values[i * nx + j], b = values[i * nx + j + 1], c = values[(i + 1) * nx + j], d = values[(i + 1) * nx + j + 1];
        if (!(isFinite(a) && isFinite(b) && isFinite(c) && isFinite(d))) continue;
        const cut = [];  // bottom, right, top, left
        if (pos(a) !== pos(b)) cut.push(edge(`h${i},${j}`, j, i, a, j + 1, i, b));
        if (pos(b) !== pos(d)) cut.push(edge(`v${i},${j + 1}`, j + 1, i, b, j + 1, i + 1, d));
        if (pos(c) !== pos(d)) cut.push(edge(`h${i + 1},${j}`, j, i + 1, c, j + 1, i + 1, d));
        if (pos(a) !== pos(c)) cut.push(edge(`v${i},${j}`, j, i, a, j, i + 1, c));
        if (cut.length === 2) segs.push([cut[0], cut[1]]);
        else if (cut.length === 4) {
          const [bo, ri, to, le] = cut;
          if (pos((a + b + c + d) / 4) === pos(a)) { segs.push([bo, ri]); segs.push([to, le]); }
          else { segs.push([bo, le]); segs.push([to, ri]); }
        }
      }
    }
    segs.forEach((s, k) => s.forEach(e => { (adj[e] = adj[e] || []).push(k); }));
    const used = new Uint8Array(segs.length), lines = [];
    const extend = (chain, end) => {
      for (;;) {
        const next = (adj[end] || []).find(k => !used[k]);
        if (next === undefined) return;
        used[next] = 1;
        end = segs[next][0] === end ? segs[next][1] : segs[next][0];
        chain.push(end);
      }
    };
    segs.forEach((s, k) => {
      if (used[k]) return;
      used[k] = 1;
      const fwd = [s[0], s[1]], back = [s[0]];
      extend(fwd, s[1]);
      extend(back, s[0]);
      lines.push(back.slice(1).reverse().concat(fwd).map(e => pts[e]));
    });
    return lines;
  }

  /* An arrow from (x0, y0) to (x1, y1) in CSS px (nothing when shorter than a pixel). */
  function arrow(ctx, x0, y0, x1, y1, colour) {
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (!(len > 1)) return;
    const ux = (x1 - x0) / len, uy = (y1 - y0) / len, head = Math.min(11, len * 0.6);
    ctx.save(); ctx.strokeStyle = colour; ctx.fillStyle = colour; ctx.lineWidth = 2.6; ctx.setLineDash([]);
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1 - ux * head * 0.8, y1 - uy * head * 0.8); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - ux * head - uy * head * 0.45, y1 - uy * head + ux * head * 0.45);
    ctx.lineTo(x1 - ux * head + uy * head * 0.45, y1 - uy * head - ux * head * 0.45);
    ctx.closePath(); ctx.fill(); ctx.restore();
  }

  /* A tooltip that follows the pointer over a canvas: text(xCss, yCss) -> string or null. */
  function hover(c, text) {
    const tip = el("div", {class: "dmm-int-tip", role: "status"}, c.parentElement);
    tip.hidden = true;
    const move = ev => {
      const r = c.getBoundingClientRect(), t = text(ev.clientX - r.left, ev.clientY - r.top);
      if (!t) { tip.hidden = true; return; }
      tip.textContent = t; tip.hidden = false;
      tip.style.left = Math.min(ev.clientX - r.left + 12, r.width - tip.offsetWidth - 4) + "px";
      tip.style.top = (ev.clientY - r.top + c.offsetTop + 14) + "px";
    };
    c.addEventListener("pointermove", move);
    c.addEventListener("pointerleave", () => { tip.hidden = true; });
    return tip;
  }

  /* A readout: a live region whose fields are spans with data-key and data-value (the raw number). */
  function readout(parent) {
    const p = el("p", {class: "dmm-int-readout", "aria-live": "polite"}, parent);
    return {
      el: p,
      set: function (fields) {  // [{key, label, value, text}]
        p.textContent = "";
        fields.forEach((f, i) => {
          if (i) p.appendChild(document.createTextNode(" · "));
          if (f.label) p.appendChild(document.createTextNode(f.label + " "));
          const s = el("span", {"data-key": f.key, "data-value": f.value === null || f.value === undefined ? "" : String(f.value),
                                text: f.text}, p);
          s.className = "dmm-int-value";
        });
      },
    };
  }

  /* ------------------------------------------------------------------------------ wiring */
  function register(name, build) { builders[name] = build; }

  function start(root) {
    const name = root.getAttribute("data-name"), data = (window.DMM_INTERACTIVE || {})[name];
    const build = builders[name];
    if (!data || !build) {
      root.setAttribute("data-state", "missing");
      return;
    }
    root.querySelectorAll(".dmm-int-nojs").forEach(n => n.remove());
    const body = el("div", {class: "dmm-int-body"}, root);
    const draw = build(body, data, kit);
    const entry = {root: root, draw: draw};
    drawn.push(entry);
    draw();
    root.setAttribute("data-state", "ready");
  }
  function redrawAll() { drawn.forEach(d => d.draw()); }

  function init() {
    document.querySelectorAll(".dmm-interactive[data-name]").forEach(start);
    // the reader toggles light/dark: material changes data-md-color-scheme on <body>
    new MutationObserver(redrawAll).observe(document.body, {attributes: true, attributeFilter: ["data-md-color-scheme"]});
    let pending = null;
    window.addEventListener("resize", () => { clearTimeout(pending); pending = setTimeout(redrawAll, 100); });
    window.matchMedia("print").addEventListener("change", redrawAll);
  }

  const kit = {grid: grid, fmt: fmt, pct: pct, thousands: thousands, scheme: scheme, hexRgb: hexRgb, cssRgb: cssRgb,
               mix: mix, diverging: diverging, el: el, slider: slider, select: select, canvas: canvas,
               context: context, heatmap: heatmap, axes: axes, line: line, dot: dot, legend: legend,
               hover: hover, readout: readout, font: font, ticks: ticks, contour: contour, arrow: arrow,
               ylabel: ylabel, colourBar: colourBar};
  window.DMMI = Object.assign({register: register}, kit);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else setTimeout(init, 0);
})();
