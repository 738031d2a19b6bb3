/* E5-explorer: the boundary around one test point, in the plane of its on- and off-manifold minimal steps.
 * Data: dmm_edu/interactive/on_off.py. Left: the exact slice E5 saved (the margin m_y over x + a·u + b·v,
 * u = δ_on/‖δ_on‖ along the manifold, v = δ_off/‖δ_off‖ along the normal; tinted by its sign, the
 * boundary m_y = 0 drawn as a line), DeepFool's on-manifold step (along u) and off-manifold step (along
 * v) as arrows, and a circle of radius d_free (the free step's length: its direction leaves this
 * plane). Right: d_on/d_free and d_off/d_free of every measured point at that c, the ratio of the
 * medians, the random-direction baselines, and the sliced point's own ratios.
 * Its swatch legend is its own; ticks, the contour and arrows come from core.js. */
(function () {
  "use strict";
  DMMI.register("E5-explorer", function (root, data, K) {
    const state = {c: 0, point: 0};
    const decoded = {};  // "c/point" -> Float32Array of the slice
    const scale = () => data.scales[state.c];
    const point = () => scale().points[Math.min(state.point, scale().points.length - 1)];
    const logit = () => {
      const key = state.c + "/" + state.point;
      if (!decoded[key]) decoded[key] = K.grid(point().logit);
      return decoded[key];
    };
    const cText = sc => "c = " + sc.c + (sc.name ? " (" + sc.name + ")" : "");
    const pointText = p => "test point " + p.index + " (class " + p.label + ")";

    const controls = K.el("div", {class: "dmm-int-controls"}, root);
    const cSelect = K.select(controls, {label: "Init scale", options: data.scales.map((s, i) => ({value: i, text: cText(s)})),
                                        onchange: v => { state.c = +v; fillPoints(); draw(); }});
    cSelect.setAttribute("data-control", "c");
    const pSelect = K.select(controls, {label: "Sliced point", options: [], onchange: v => { state.point = +v; draw(); }});
    pSelect.setAttribute("data-control", "point");
    function fillPoints() {
      const keep = state.point;
      pSelect.textContent = "";
      scale().points.forEach((p, i) => K.el("option", {value: i, text: pointText(p)}, pSelect));
      state.point = Math.min(keep, scale().points.length - 1);
      pSelect.value = String(state.point);
    }
    fillPoints();

    const panels = K.el("div", {class: "dmm-int-panels"}, root);
    const left = K.el("div", {class: "dmm-int-panel"}, panels), right = K.el("div", {class: "dmm-int-panel"}, panels);
    const map = K.canvas(left, {label: "the boundary around a test point", aspect: 1.3, maxHeight: 560});
    const chart = K.canvas(right, {label: "d_on/d_free and d_off/d_free over the measured points", aspect: 1.3, maxHeight: 560});
    const out = K.readout(root);
    let mapAx = null, chartAx = null;

    /* a legend of [{text, colour, kind: "line" | "dash" | "fill" | "ring" | "dot"}] at (x, y), one row each */
    function legend(ctx, x, y, items) {
      const s = K.scheme();
      ctx.save(); K.font(ctx, 13); ctx.textBaseline = "middle"; ctx.textAlign = "left";
      items.forEach((it, i) => {
        const yy = y + 9 + i * 18;
        ctx.strokeStyle = it.colour; ctx.fillStyle = it.colour; ctx.lineWidth = it.width || 2;
        ctx.setLineDash(it.kind === "dash" ? [5, 3] : []);
        if (it.kind === "fill") {
          ctx.globalAlpha = 0.45; ctx.fillRect(x, yy - 6, 22, 12); ctx.globalAlpha = 1;
        } else if (it.kind === "ring") {
          ctx.beginPath(); ctx.arc(x + 11, yy, 5, 0, 2 * Math.PI); ctx.fillStyle = it.fill; ctx.fill(); ctx.strokeStyle = s.fg; ctx.lineWidth = 1.5; ctx.stroke();
        } else if (it.kind === "dot") {
          ctx.globalAlpha = 0.5; ctx.beginPath(); ctx.arc(x + 11, yy, 3, 0, 2 * Math.PI); ctx.fill(); ctx.globalAlpha = 1;
        } else {
          ctx.beginPath(); ctx.moveTo(x, yy); ctx.lineTo(x + 22, yy); ctx.stroke();
        }
        ctx.setLineDash([]); ctx.fillStyle = s.fg; ctx.fillText(it.text, x + 28, yy);
      });
      ctx.restore();
    }

    const legendRows = () => [
      {text: "boundary (m_y = 0)", colour: K.scheme().fg},
      {text: "manifold through x (the u axis)", colour: data.colours.baseline, kind: "dash"},
      {text: "d_on: on-manifold step (along u)", colour: data.colours.on, width: 2.6},
      {text: "d_off: off-manifold step (along v)", colour: data.colours.off, width: 2.6},
      {text: "radius d_free (free step: out of plane)", colour: data.colours.free, kind: "dash"},
      {text: "where the straight ray first crosses", colour: K.scheme().fg, kind: "ring", fill: K.scheme().bg},
      {text: "tint: the network still says y", colour: data.colours.classes[point().label % data.colours.classes.length], kind: "fill"},
      {text: "tint: another class", colour: data.colours.other, kind: "fill"}];

    function drawMap() {
      const s = K.scheme(), ctx = K.context(map), bg = K.cssRgb(s.bg), p = point(), L = logit();
      const xs = p.axis_u, ys = p.axis_v, nx = xs.length, ny = ys.length;
      const rows = legendRows(), legendH = rows.length * 18 + 6;
      const size = Math.max(120, Math.min(ctx.w - 48 - 10, ctx.h - 8 - 42 - legendH));
      const box = {x: 48, y: 8, w: size, h: size};
      const X = a => box.x + (a - xs[0]) / (xs[nx - 1] - xs[0]) * box.w;
      const Y = b => box.y + box.h - (b - ys[0]) / (ys[ny - 1] - ys[0]) * box.h;
      mapAx = {box: box, X: X, Y: Y};
      let top = 0;
      for (let i = 0; i < L.length; i++) if (isFinite(L[i])) top = Math.max(top, Math.abs(L[i]));
      const yes = K.hexRgb(data.colours.classes[p.label % data.colours.classes.length]), no = K.hexRgb(data.colours.other);
      const tint = v => {
        if (!isFinite(v)) return null;
        const t = Math.min(1, Math.abs(v) / (top || 1)), amount = 0.18 + 0.5 * Math.sqrt(t);
        return K.mix(bg, v > 0 ? yes : no, amount);
      };
      // nodes sit at the axis values: each heat-map cell is centred on its node, clipped to the box
      const cw = box.w / (nx - 1), ch = box.h / (ny - 1);
      ctx.save(); ctx.beginPath(); ctx.rect(box.x, box.y, box.w, box.h); ctx.clip();
      K.heatmap(ctx, {x: box.x - cw / 2, y: box.y - ch / 2, w: box.w + cw, h: box.h + ch}, L, nx, ny, tint, K.cssRgb(s.muted));
      // the manifold through x: the u axis
      ctx.strokeStyle = data.colours.baseline; ctx.lineWidth = 1.4; ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(box.x, Y(0)); ctx.lineTo(box.x + box.w, Y(0)); ctx.stroke();
      // d_free: a circle of that radius around x
      const circle = () => { ctx.beginPath(); ctx.ellipse(X(0), Y(0), Math.abs(X(p.d_free) - X(0)), Math.abs(Y(p.d_free) - Y(0)), 0, 0, 2 * Math.PI); ctx.stroke(); };
      ctx.setLineDash([]); ctx.strokeStyle = s.bg; ctx.lineWidth = 4; ctx.globalAlpha = 0.6; circle(); ctx.globalAlpha = 1;  // a halo: readable on either tint
      ctx.strokeStyle = data.colours.free; ctx.lineWidth = 1.8; ctx.setLineDash([5, 3]); circle();
      ctx.setLineDash([]);
      // the boundary
      ctx.strokeStyle = s.fg; ctx.lineWidth = 2; ctx.lineCap = "round";
      ctx.beginPath();
      const gx = g => xs[0] + g * (xs[nx - 1] - xs[0]) / (nx - 1), gy = g => ys[0] + g * (ys[ny - 1] - ys[0]) / (ny - 1);
      for (const path of K.contour(L, nx, ny)) path.forEach((q, k) => (k ? ctx.lineTo : ctx.moveTo).call(ctx, X(gx(q[0])), Y(gy(q[1]))));
      ctx.stroke();
      ctx.restore();
      K.arrow(ctx, X(0), Y(0), X(p.d_on), Y(0), data.colours.on);
      K.arrow(ctx, X(0), Y(0), X(0), Y(p.d_off), data.colours.off);
      // DeepFool's steps are upper bounds: a ring where each straight ray first meets the boundary
      if (p.cross_u !== null) K.dot(ctx, X(p.cross_u), Y(0), 4.5, s.bg, data.colours.on);
      if (p.cross_v !== null) K.dot(ctx, X(0), Y(p.cross_v), 4.5, s.bg, data.colours.off);
      K.dot(ctx, X(0), Y(0), 5, data.colours.classes[p.label % data.colours.classes.length], s.fg);
      // axes: ticks, labels
      ctx.save();
      ctx.strokeStyle = s.muted; ctx.lineWidth = 1; ctx.strokeRect(box.x, box.y, box.w, box.h);
      K.font(ctx, 13); ctx.fillStyle = s.fg;
      const ticks = K.ticks(xs[0], xs[nx - 1], 4);
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      for (const [v, t] of ticks) {
        ctx.beginPath(); ctx.moveTo(X(v), box.y + box.h); ctx.lineTo(X(v), box.y + box.h + 4); ctx.stroke();
        ctx.fillText(t, X(v), box.y + box.h + 5);
      }
      ctx.fillText("a: along u (the manifold)", box.x + box.w / 2, box.y + box.h + 22);
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      for (const [v, t] of K.ticks(ys[0], ys[ny - 1], 4)) {
        ctx.beginPath(); ctx.moveTo(box.x - 4, Y(v)); ctx.lineTo(box.x, Y(v)); ctx.stroke();
        ctx.fillText(t, box.x - 6, Y(v));
      }
      K.ylabel(ctx, "b: along v (the normal)", 11, box.y + box.h / 2);
      ctx.restore();
      legend(ctx, 8, box.y + box.h + 44, rows);
    }

    const jitter = i => ((i * 0.6180339887) % 1) - 0.5;
    let ymax = data.baseline_on;
    data.scales.forEach(sc => sc.on_ratio.concat(sc.off_ratio).forEach(v => { if (v !== null && v > ymax) ymax = v; }));
    ymax *= 1.08;
    const cats = [{key: "on", ratio: "on_ratio", median: "d_on_over_d_free", base: () => data.baseline_on, label: "d_on / d_free", d: "d_on"},
                  {key: "off", ratio: "off_ratio", median: "d_off_over_d_free", base: () => data.baseline_off, label: "d_off / d_free", d: "d_off"}];

    function drawChart() {
      const s = K.scheme(), ctx = K.context(chart), sc = scale(), p = point();
      chartAx = K.axes(ctx, {xlim: [0, 2], ylim: [0, ymax], xticks: cats.map((c, i) => [i + 0.5, c.label]),
                             yticks: K.ticks(0, ymax, 5), ylabel: "ratio to d_free",
                             pad: {l: 44, r: 8, t: 4 * 18 + 10, b: 28}});
      const ax = chartAx, halfW = 0.36;
      ctx.save(); ctx.beginPath(); ctx.rect(ax.box.x, ax.box.y, ax.box.w, ax.box.h); ctx.clip();
      ctx.strokeStyle = s.muted; ctx.lineWidth = 1; ctx.setLineDash([1, 3]);
      ctx.beginPath(); ctx.moveTo(ax.box.x, ax.Y(1)); ctx.lineTo(ax.box.x + ax.box.w, ax.Y(1)); ctx.stroke();
      cats.forEach((c, k) => {
        const colour = data.colours[c.key], x0 = k + 0.5;
        ctx.setLineDash([]); ctx.fillStyle = colour; ctx.globalAlpha = 0.45;
        sc[c.ratio].forEach((v, i) => {
          if (v === null) return;
          ctx.beginPath(); ctx.arc(ax.X(x0 + jitter(i) * 0.55), ax.Y(v), 2.6, 0, 2 * Math.PI); ctx.fill();
        });
        ctx.globalAlpha = 1;
        ctx.strokeStyle = data.colours.baseline; ctx.lineWidth = 2.4; ctx.setLineDash([6, 3]);
        ctx.beginPath(); ctx.moveTo(ax.X(x0 - halfW - 0.08), ax.Y(c.base())); ctx.lineTo(ax.X(x0 + halfW + 0.08), ax.Y(c.base())); ctx.stroke();
        ctx.setLineDash([]); ctx.strokeStyle = s.fg; ctx.lineWidth = 3.5;
        ctx.beginPath(); ctx.moveTo(ax.X(x0 - halfW), ax.Y(sc.medians[c.median])); ctx.lineTo(ax.X(x0 + halfW), ax.Y(sc.medians[c.median])); ctx.stroke();
        K.dot(ctx, ax.X(x0 + 0.3), ax.Y(p[c.d] / p.d_free), 5.5, colour, s.fg);
      });
      ctx.restore();
      legend(ctx, 8, 0, [
        {text: "ratio of medians, " + sc.n_measured + " points", colour: s.fg, width: 3.5},
        {text: "one measured point each", colour: s.muted, kind: "dot"},
        {text: "the sliced point", colour: s.fg, kind: "ring", fill: data.colours.on},
        {text: "random direction: √(n/k), 1/√(1−k/n)", colour: data.colours.baseline, kind: "dash", width: 2.4}]);
    }

    K.hover(map, (x, y) => {
      if (!mapAx) return null;
      const b = mapAx.box, p = point(), xs = p.axis_u, ys = p.axis_v, nx = xs.length, ny = ys.length;
      if (x < b.x || x > b.x + b.w || y < b.y || y > b.y + b.h) return null;
      const j = Math.max(0, Math.min(nx - 1, Math.round((x - b.x) / b.w * (nx - 1))));
      const i = Math.max(0, Math.min(ny - 1, Math.round((b.y + b.h - y) / b.h * (ny - 1))));
      const v = logit()[i * nx + j];
      const where = `a = ${K.fmt(xs[j], 2)}, b = ${K.fmt(ys[i], 2)}`;
      if (!isFinite(v)) return `${where}: not computed`;
      return `${where}: m_y = ${K.fmt(v, 3)} (${v > 0 ? "still class " + p.label : "another class"})`;
    });
    K.hover(chart, x => {
      if (!chartAx) return null;
      const k = x < chartAx.X(1) ? 0 : 1, c = cats[k], sc = scale(), p = point();
      return `${c.label}: ratio of medians ${K.fmt(sc.medians[c.median])}, random ${K.fmt(c.base())}, this point ${K.fmt(p[c.d] / p.d_free)}`;
    });

    function draw() {
      const sc = scale(), p = point(), m = sc.medians;
      drawMap();
      drawChart();
      out.set([
        {key: "c", label: "init scale", value: sc.c, text: cText(sc)},
        {key: "point", label: "point", value: p.index, text: pointText(p)},
        {key: "d_free", label: "its d_free", value: p.d_free, text: K.fmt(p.d_free, 3)},
        {key: "d_on", label: "d_on", value: p.d_on, text: K.fmt(p.d_on, 3)},
        {key: "d_off", label: "d_off", value: p.d_off, text: K.fmt(p.d_off, 3)},
        {key: "cross_u", label: "the ray along u first crosses at", value: p.cross_u,
         text: p.cross_u === null ? "beyond the slice" : K.fmt(p.cross_u, 3)},
        {key: "cross_v", label: "along v at", value: p.cross_v, text: p.cross_v === null ? "beyond the slice" : K.fmt(p.cross_v, 3)},
        {key: "median_on_ratio", label: "over " + sc.n_measured + " points: median d_on / median d_free", value: m.d_on_over_d_free, text: K.fmt(m.d_on_over_d_free)},
        {key: "median_off_ratio", label: "median d_off / median d_free", value: m.d_off_over_d_free, text: K.fmt(m.d_off_over_d_free)},
        {key: "baseline_on", label: "random √(n/k)", value: data.baseline_on, text: K.fmt(data.baseline_on)}]);
      const nearer = p.d_off < p.d_on ? "the off-manifold step is the shorter" : "the on-manifold step is the shorter";
      map.setAttribute("aria-label", `slice of the network at ${cText(sc)} through ${pointText(p)}: d_free ${K.fmt(p.d_free)}, ` +
                       `d_on ${K.fmt(p.d_on)}, d_off ${K.fmt(p.d_off)}; ${nearer}`);
      chart.setAttribute("aria-label", `at ${cText(sc)}: median d_on / median d_free ${K.fmt(m.d_on_over_d_free)}, median d_off / median d_free ` +
                         `${K.fmt(m.d_off_over_d_free)}, random-direction baseline √(n/k) = ${K.fmt(data.baseline_on)}`);
    }
    return draw;
  });
})();
