/* E8-distances and E9-slices. Data: dmm_edu/interactive/dimpling.py.
 * E8-distances: d_free, d_on, d_off over training (left) and d_off / d_on beside a random boundary's
 * value (right), for each world; the epoch slider marks one epoch (or click a chart there).
 * E9-slices: one plane through a test point shared by both networks (u: the standard network's
 * on-manifold step, v: its off-manifold one); the margin m_y as a heat map with its zero line, the
 * other network's zero line dashed; beside it the point's distances for both networks.
 * epochX here is the symlog epoch axis of the static figures; ticks, contours and arrows come from core.js. */
(function () {
  "use strict";

  /* The static figures' epoch axis: linear on [0, 1] (0.6 of a decade wide), logarithmic after. */
  const epochX = e => e <= 1 ? 0.6 * e : 0.6 + Math.log10(e);

  /* ------------------------------------------------------------------------ E8-distances */
  DMMI.register("E8-distances", function (root, data, K) {
    const state = {world: 0, i: 0};
    const world = () => data.worlds[state.world];
    const epochText = e => e === 0 ? "init (before training)" : "after epoch " + e;
    const controls = K.el("div", {class: "dmm-int-controls"}, root);
    const worldSelect = K.select(controls, {label: "World", options: data.worlds.map((w, i) => ({value: i, text: w.label})),
                                            onchange: v => { const e = world().epochs[state.i]; state.world = +v; keepEpoch(e); draw(); }});
    worldSelect.setAttribute("data-control", "world");
    const slider = K.slider(root, {label: "Epoch", n: world().epochs.length, value: 0,
                                   text: i => epochText(world().epochs[Math.min(i, world().epochs.length - 1)]),
                                   onchange: i => { state.i = i; draw(); }});
    slider.input.setAttribute("data-control", "epoch");
    function keepEpoch(e) {  // the worlds measured at different epochs: keep the nearest one
      const es = world().epochs;
      let best = 0;
      es.forEach((v, i) => { if (Math.abs(epochX(v) - epochX(e)) < Math.abs(epochX(es[best]) - epochX(e))) best = i; });
      slider.input.max = es.length - 1;
      state.i = best;
      slider.set(best);
    }
    const panels = K.el("div", {class: "dmm-int-panels"}, root);
    const left = K.el("div", {class: "dmm-int-panel"}, panels), right = K.el("div", {class: "dmm-int-panel"}, panels);
    const dist = K.canvas(left, {label: "d_free, d_on and d_off over training", aspect: 0.8, maxHeight: 360, minHeight: 280});
    const ratio = K.canvas(right, {label: "d_off / d_on over training", aspect: 0.8, maxHeight: 360, minHeight: 280});
    const out = K.readout(root);
    let distAx = null, ratioAx = null;
    const PAD = {l: 48, r: 12, t: 64, b: 44};

    function xAxis(w) {
      const es = w.epochs, last = epochX(es[es.length - 1]);
      const ticks = es.filter((e, i) => i === 0 || i === es.length - 1 || epochX(e) - epochX(es[i - 1]) > 0.12)
        .map(e => [epochX(e), e === 0 ? "init" : String(e)]);
      return {xlim: [-0.12, last + 0.12], xticks: ticks, xlabel: "epochs of training (log scale after 1)"};
    }
    function marker(ctx, ax, xs, series, i) {
      const s = K.scheme(), x = ax.X(xs[i]);
      ctx.save(); ctx.strokeStyle = s.fg; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
      ctx.beginPath(); ctx.moveTo(x, ax.box.y); ctx.lineTo(x, ax.box.y + ax.box.h); ctx.stroke(); ctx.restore();
      series.forEach(([ys, colour]) => { if (ys[i] !== null) K.dot(ctx, x, ax.Y(ys[i]), 5, colour, s.fg); });
    }
    function points(ctx, ax, xs, ys, colour) {
      xs.forEach((x, i) => { if (ys[i] !== null) K.dot(ctx, ax.X(x), ax.Y(ys[i]), 2.5, colour); });
    }

    function drawDistances() {
      const w = world(), ctx = K.context(dist), xs = w.epochs.map(epochX), c = data.colours;
      const top = Math.max(...["d_free", "d_on", "d_off"].flatMap(k => w[k].filter(v => v !== null)));
      const ymax = 1.1 * top;
      distAx = K.axes(ctx, Object.assign(xAxis(w), {ylim: [0, ymax], pad: PAD, ylabel: "median minimal L2 distance",
                                                    yticks: K.ticks(0, ymax, 5)}));
      const series = [["d_free", "d_free (anywhere)"], ["d_on", "d_on (in the tangent space)"], ["d_off", "d_off (in the normal space)"]];
      series.forEach(([k]) => { K.line(ctx, distAx, xs, w[k], c[k]); points(ctx, distAx, xs, w[k], c[k]); });
      marker(ctx, distAx, xs, series.map(([k]) => [w[k], c[k]]), state.i);
      K.legend(ctx, distAx.box.x, 2, series.map(([k, text]) => ({text: text, colour: c[k]})));
    }

    function drawRatio() {
      const w = world(), s = K.scheme(), ctx = K.context(ratio), xs = w.epochs.map(epochX), c = data.colours;
      const r = w.ratio.filter(v => v !== null && v > 0);
      const lo = Math.log10(Math.min(w.baseline, ...r) / 1.3), hi = Math.log10(Math.max(1, ...r) * 1.3);
      const pxPerDecade = (ctx.h - PAD.t - PAD.b) / (hi - lo), ticks = [];
      [1, 0.5, 2, 0.2, 5, 0.1, 10, 0.3, 3, 0.7, 0.05, 20].forEach(t => {  // the most telling first; none closer than 24 px
        const y = Math.log10(t);
        if (y >= lo && y <= hi && ticks.every(u => Math.abs(Math.log10(u) - y) * pxPerDecade >= 24)) ticks.push(t);
      });
      ratioAx = K.axes(ctx, Object.assign(xAxis(w), {ylim: [lo, hi], pad: PAD, ylabel: "d_off / d_on (log scale)",
                                                     yticks: ticks.map(t => [Math.log10(t), String(t)])}));
      const logs = w.ratio.map(v => v !== null && v > 0 ? Math.log10(v) : null);
      const flat = v => xs.map(() => Math.log10(v));
      K.line(ctx, ratioAx, xs, flat(1), s.muted, {width: 1, dash: [2, 3]});
      K.line(ctx, ratioAx, xs, flat(w.baseline), c.baseline, {width: 1.5, dash: [7, 4]});
      const ink = s.fg;  // the ratio: the page's ink (palette INK on paper), so it reads in both schemes
      K.line(ctx, ratioAx, xs, logs, ink);
      points(ctx, ratioAx, xs, logs, ink);
      marker(ctx, ratioAx, xs, [[logs, ink]], state.i);
      K.legend(ctx, ratioAx.box.x, 2, [
        {text: "d_off / d_on (ratio of medians)", colour: ink},
        {text: `random boundary √(k/(n−k)) = ${K.fmt(w.baseline)}`, colour: c.baseline, dash: [7, 4]},
        {text: "1: off and on equally far", colour: s.muted, dash: [2, 3]}]);
    }

    const nearest = (ax, x) => {
      const xs = world().epochs.map(e => ax.X(epochX(e)));
      let best = 0;
      xs.forEach((v, i) => { if (Math.abs(v - x) < Math.abs(xs[best] - x)) best = i; });
      return best;
    };
    const tip = i => {
      const w = world();
      return `${epochText(w.epochs[i])}: d_free ${K.fmt(w.d_free[i], 3)}, d_on ${K.fmt(w.d_on[i], 3)}, ` +
             `d_off ${K.fmt(w.d_off[i], 3)}, d_off/d_on ${K.fmt(w.ratio[i], 3)}`;
    };
    [[dist, () => distAx], [ratio, () => ratioAx]].forEach(([cv, ax]) => {
      K.hover(cv, x => ax() ? tip(nearest(ax(), x)) : null);
      cv.addEventListener("click", ev => {
        if (!ax()) return;
        state.i = nearest(ax(), ev.clientX - cv.getBoundingClientRect().left);
        slider.set(state.i); draw();
      });
    });

    function draw() {
      const w = world(), i = state.i, e = w.epochs[i];
      drawDistances();
      drawRatio();
      const acc = v => v === null ? "not measured" : K.fmt(v, 3);
      out.set([
        {key: "epoch", label: "epoch", value: e, text: e === 0 ? "0 (init)" : String(e)},
        {key: "d_free", label: "d_free", value: w.d_free[i], text: K.fmt(w.d_free[i], 3)},
        {key: "d_on", label: "d_on", value: w.d_on[i], text: K.fmt(w.d_on[i], 3)},
        {key: "d_off", label: "d_off", value: w.d_off[i], text: K.fmt(w.d_off[i], 3)},
        {key: "d_off_over_d_on", label: "d_off/d_on", value: w.ratio[i], text: K.fmt(w.ratio[i], 3)},
        {key: "train_accuracy", label: "train accuracy", value: w.train[i], text: acc(w.train[i])},
        {key: "test_accuracy", label: "test accuracy", value: w.test[i], text: acc(w.test[i])}]);
      dist.setAttribute("aria-label", `${w.label}, ${epochText(e)}: median d_free ${K.fmt(w.d_free[i], 3)}, ` +
                        `d_on ${K.fmt(w.d_on[i], 3)}, d_off ${K.fmt(w.d_off[i], 3)}`);
      ratio.setAttribute("aria-label", `${w.label}, ${epochText(e)}: d_off / d_on = ${K.fmt(w.ratio[i], 3)}, ` +
                         `random-boundary baseline ${K.fmt(w.baseline, 3)}`);
    }
    return draw;
  });

  /* --------------------------------------------------------------------------- E9-slices */
  DMMI.register("E9-slices", function (root, data, K) {
    const state = {point: 0, model: 0};
    const decoded = {};
    const logit = (p, m) => {
      const k = p + "/" + m;
      if (!decoded[k]) decoded[k] = K.grid(data.points[p].logit[m]);
      return decoded[k];
    };
    const contours = {};
    const lines = (p, m) => {
      const k = p + "/" + m;
      if (!contours[k]) contours[k] = K.contour(logit(p, m), data.points[p].axis.length, data.points[p].axis.length);
      return contours[k];
    };
    const model = () => data.models[state.model].key, other = () => data.models[1 - state.model].key;
    const controls = K.el("div", {class: "dmm-int-controls"}, root);
    K.select(controls, {label: "Test point", options: data.points.map((p, i) => ({value: i, text: `point ${i} (class ${p.label})`})),
                        onchange: v => { state.point = +v; draw(); }}).setAttribute("data-control", "point");
    K.select(controls, {label: "Network", options: data.models.map((m, i) => ({value: i, text: m.label})),
                        onchange: v => { state.model = +v; draw(); }}).setAttribute("data-control", "model");
    const panels = K.el("div", {class: "dmm-int-panels"}, root);
    const left = K.el("div", {class: "dmm-int-panel"}, panels), right = K.el("div", {class: "dmm-int-panel"}, panels);
    const map = K.canvas(left, {label: "the margin in the plane through the point", aspect: 0.92, maxHeight: 420, minHeight: 300});
    const bars = K.canvas(right, {label: "the point's distances for both networks", aspect: 0.92, maxHeight: 420, minHeight: 300});
    const out = K.readout(root);
    let mapAx = null;

    function drawMap() {
      const s = K.scheme(), ctx = K.context(map), P = data.points[state.point], m = model();
      const n = P.axis.length, lo = P.axis[0], hi = P.axis[n - 1];
      const bg = K.cssRgb(s.bg), says = K.hexRgb(data.colours.classes[P.label % data.colours.classes.length]);
      const grey = K.mix(bg, K.cssRgb(s.fg), 0.55);
      const values = logit(state.point, m), ghost = logit(state.point, other());
      let top = 0;
      [values, ghost].forEach(g => g.forEach(v => { if (isFinite(v)) top = Math.max(top, Math.abs(v)); }));
      const size = Math.max(120, Math.min(ctx.w - 100, ctx.h - 46));
      const box = {x: 50, y: 6, w: size, h: size};
      // signed square root: the colour changes fastest near the boundary, where the eye looks
      K.heatmap(ctx, box, values, n, n, v => {
        if (!isFinite(v)) return null;
        const t = Math.sqrt(Math.min(1, Math.abs(v) / top));
        return v > 0 ? K.mix(bg, says, 0.85 * t) : K.mix(bg, grey, 0.8 * t);
      }, bg);
      const X = a => box.x + (a - lo) / (hi - lo) * box.w, Y = b => box.y + box.h - (b - lo) / (hi - lo) * box.h;
      const G = g => box.x + g / (n - 1) * box.w, H = g => box.y + box.h - g / (n - 1) * box.h;
      mapAx = {box: box, X: X, Y: Y, n: n, lo: lo, hi: hi};
      ctx.save();
      ctx.beginPath(); ctx.rect(box.x, box.y, box.w, box.h); ctx.clip();
      const stroke = (ls, colour, width, dash) => {
        ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.setLineDash(dash);
        ls.forEach(l => { ctx.beginPath(); l.forEach(([j, i], k) => k ? ctx.lineTo(G(j), H(i)) : ctx.moveTo(G(j), H(i))); ctx.stroke(); });
      };
      stroke([[[0, (n - 1) / 2], [n - 1, (n - 1) / 2]]], s.muted, 1.2, [2, 4]);  // the manifold: b = 0
      stroke(lines(state.point, other()), s.fg, 1.5, [7, 5]);
      stroke(lines(state.point, m), s.fg, 2.5, []);
      ctx.setLineDash([]);
      // where the +u and +v rays first meet the shown network's boundary
      const arrow = (len, dir, colour) => {
        if (len === null || !isFinite(len)) return;
        const x1 = dir === "u" ? X(len) : X(0), y1 = dir === "u" ? Y(0) : Y(len);
        ctx.strokeStyle = colour; ctx.fillStyle = colour; ctx.lineWidth = 3;
        ctx.beginPath(); ctx.moveTo(X(0), Y(0)); ctx.lineTo(x1, y1); ctx.stroke();
        const ang = Math.atan2(y1 - Y(0), x1 - X(0));
        ctx.beginPath(); ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - 10 * Math.cos(ang - 0.4), y1 - 10 * Math.sin(ang - 0.4));
        ctx.lineTo(x1 - 10 * Math.cos(ang + 0.4), y1 - 10 * Math.sin(ang + 0.4)); ctx.closePath(); ctx.fill();
      };
      arrow(P[m].cross_u, "u", data.colours.on);
      arrow(P[m].cross_v, "v", data.colours.off);
      ctx.restore();
      K.dot(ctx, X(0), Y(0), 6, data.colours.classes[P.label % data.colours.classes.length], s.fg);
      ctx.strokeStyle = s.muted; ctx.lineWidth = 1; ctx.strokeRect(box.x, box.y, box.w, box.h);
      // ticks
      K.font(ctx, 13); ctx.fillStyle = s.fg; ctx.strokeStyle = s.muted;
      const ticks = K.ticks(lo, hi, 4);
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ticks.forEach(([t, text]) => { ctx.beginPath(); ctx.moveTo(X(t), box.y + box.h); ctx.lineTo(X(t), box.y + box.h + 4); ctx.stroke();
                                     ctx.fillText(text, X(t), box.y + box.h + 6); });
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      ticks.forEach(([t, text]) => { ctx.beginPath(); ctx.moveTo(box.x - 4, Y(t)); ctx.lineTo(box.x, Y(t)); ctx.stroke();
                                     ctx.fillText(text, box.x - 6, Y(t)); });
      ctx.textAlign = "center"; ctx.textBaseline = "bottom";
      ctx.fillText("a: along u (the manifold)", box.x + box.w / 2, box.y + box.h + 40);
      K.ylabel(ctx, "b: along v (the normal)", 12, box.y + box.h / 2);
      // colour bar: the margin m_y, -top ... +top
      const bx = box.x + box.w + 10, bw = 10;
      K.colourBar(ctx, bx, box.y, bw, box.h, f => {
        const t = Math.sqrt(Math.min(1, Math.abs(f)));  // f = v / top
        return f > 0 ? K.mix(bg, says, 0.85 * t) : K.mix(bg, grey, 0.8 * t);
      });
      ctx.strokeStyle = s.muted; ctx.strokeRect(bx, box.y, bw, box.h);
      ctx.fillStyle = s.fg; ctx.textAlign = "left"; ctx.textBaseline = "middle";
      ctx.fillText("+" + K.fmt(top, 0), bx + bw + 3, box.y + 7);
      ctx.fillText("0", bx + bw + 3, box.y + box.h / 2);
      ctx.fillText("−" + K.fmt(top, 0), bx + bw + 3, box.y + box.h - 7);
      ctx.save(); ctx.translate(bx + bw + 21, box.y + box.h / 4); ctx.rotate(Math.PI / 2); ctx.textAlign = "center";
      ctx.fillText("says y", 0, 0); ctx.restore();
      ctx.save(); ctx.translate(bx + bw + 21, box.y + 0.68 * box.h); ctx.rotate(Math.PI / 2); ctx.textAlign = "center";
      ctx.fillText("other class", 0, 0); ctx.restore();
    }

    function drawBars() {
      const s = K.scheme(), ctx = K.context(bars), P = data.points[state.point], m = model();
      const c = data.colours;
      const items = [
        {text: `${data.models[state.model].label}: boundary`, colour: s.fg},
        {text: "the other network's boundary", colour: s.fg, dash: [7, 5]},
        {text: "the manifold through the point (b = 0)", colour: s.muted, dash: [2, 4]},
        {text: "along u to the boundary", colour: c.on},
        {text: "along v to the boundary", colour: c.off}];
      K.legend(ctx, 8, 0, items);
      const keys = ["d_free", "d_on", "d_off"];
      const top = 1.15 * Math.max(...keys.flatMap(k => [P.standard[k], P.adversarial[k]]));
      const ax = K.axes(ctx, {xlim: [0, 3], ylim: [0, top], pad: {l: 48, r: 10, t: 128, b: 44},
                              yticks: K.ticks(0, top, 4),
                              xticks: keys.map((k, i) => [i + 0.5, k]), xlabel: "this point's DeepFool distances"});
      K.font(ctx, 13); ctx.fillStyle = s.fg; ctx.textAlign = "left"; ctx.textBaseline = "top";
      ctx.fillText("bars: standard | adversarial", ax.box.x, ax.box.y - 26);
      const bw = 0.3;
      keys.forEach((k, i) => {
        data.models.forEach((md, j) => {
          const v = P[md.key][k], x0 = ax.X(i + 0.5 + (j ? 0.03 : -0.03 - bw)), x1 = x0 + ax.X(bw) - ax.X(0);
          const shown = md.key === m, colour = c[k];
          ctx.save();
          ctx.globalAlpha = shown ? 1 : 0.35;
          ctx.fillStyle = colour; ctx.fillRect(x0, ax.Y(v), x1 - x0, ax.Y(0) - ax.Y(v));
          ctx.restore();
          ctx.strokeStyle = s.fg; ctx.lineWidth = shown ? 1.5 : 1; ctx.setLineDash(shown ? [] : [3, 2]);
          ctx.strokeRect(x0, ax.Y(v), x1 - x0, ax.Y(0) - ax.Y(v)); ctx.setLineDash([]);
        });
      });
    }

    K.hover(map, (x, y) => {
      if (!mapAx) return null;
      const b = mapAx.box, n = mapAx.n;
      if (x < b.x || x > b.x + b.w || y < b.y || y > b.y + b.h) return null;
      const j = Math.round((x - b.x) / b.w * (n - 1)), i = Math.round((b.y + b.h - y) / b.h * (n - 1));
      const v = logit(state.point, model())[i * n + j], ax = data.points[state.point].axis;
      return `a = ${K.fmt(ax[j])}, b = ${K.fmt(ax[i])}: margin m_y = ${K.fmt(v)} (${v > 0 ? "says y" : "another class"})`;
    });

    function draw() {
      const P = data.points[state.point], m = model(), d = P[m], r = data.ratios;
      drawMap();
      drawBars();
      const ray = v => v === null ? "no boundary along the ray" : K.fmt(v);
      out.set([
        {key: "point", label: "point", value: state.point, text: `${state.point} (class ${P.label})`},
        {key: "d_free", label: "d_free", value: d.d_free, text: K.fmt(d.d_free, 3)},
        {key: "d_on", label: "d_on", value: d.d_on, text: K.fmt(d.d_on, 3)},
        {key: "d_off", label: "d_off", value: d.d_off, text: K.fmt(d.d_off, 3)},
        {key: "ratio_d_free", label: `medians over all ${data.n_measured} points, adversarial / standard: d_free`,
         value: r.d_free, text: "×" + K.fmt(r.d_free)},
        {key: "ratio_d_on", label: "d_on", value: r.d_on, text: "×" + K.fmt(r.d_on)},
        {key: "ratio_d_off", label: "d_off", value: r.d_off, text: "×" + K.fmt(r.d_off)}]);
      map.setAttribute("aria-label", `${data.models[state.model].label}, point ${state.point} (class ${P.label}): ` +
                       `the margin in the plane of the manifold (u) and its normal (v); the boundary along u at ${ray(d.cross_u)}, ` +
                       `along v at ${ray(d.cross_v)}`);
      bars.setAttribute("aria-label", `point ${state.point}: d_free, d_on, d_off ${K.fmt(P.standard.d_free)}, ${K.fmt(P.standard.d_on)}, ` +
                        `${K.fmt(P.standard.d_off)} (standard) and ${K.fmt(P.adversarial.d_free)}, ${K.fmt(P.adversarial.d_on)}, ` +
                        `${K.fmt(P.adversarial.d_off)} (adversarial)`);
    }
    return draw;
  });
})();
