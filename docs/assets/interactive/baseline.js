/* E3-baseline: the exact distribution of on(v) = ||P_T v|| for a random unit direction v in R^n and a
 * k-dimensional tangent space, against sqrt(k/n) (its root-mean-square) and its exact mean.
 * Data: dmm_edu/interactive/baseline.py (the density on a window of r per (n, k); E3's samples where
 * E3 ran). Left: the whole range [0, 1], the window shaded. Right: the window, with E3's histograms
 * of random directions (filled) and of an untrained network's gradient (outline) where E3 ran.
 * Its swatch legend is in HTML (it wraps on a phone); ticks come from core.js. */
(function () {
  "use strict";
  DMMI.register("E3-baseline", function (root, data, K) {
    const rows = data.rows;
    const startRow = Math.max(0, rows.findIndex(r => r.n === data.start[0]));
    const startCell = Math.max(0, rows[startRow].cells.findIndex(c => c.k === data.start[1]));
    const state = {row: startRow, cell: startCell};
    const row = () => rows[state.row], cell = () => row().cells[state.cell];
    const decoded = {};
    const dens = () => {  // Float32Array of the density at the POINTS values of r of the window
      const key = row().n + "/" + cell().k;
      if (!decoded[key]) {
        const c = cell(), f = K.grid(c.density);
        const e = c.e3 ? {random: K.grid(c.e3.random), grad: K.grid(c.e3.grad)} : null;
        decoded[key] = {f: f, e3: e};
      }
      return decoded[key];
    };
    const rAt = i => { const c = cell(); return c.lo + (c.hi - c.lo) * i / (data.points - 1); };

    const controls = K.el("div", {class: "dmm-int-controls"}, root);
    const nSlider = K.slider(controls, {
      label: "Ambient dimension n", n: rows.length, value: state.row,
      text: i => "n = " + rows[i].n,
      onchange: i => {
        const k = cell().k, cells = rows[i].cells;
        let best = 0;  // keep k where this n allows it, else the largest allowed k below it
        cells.forEach((c, j) => { if (c.k <= k) best = j; });
        state.row = i; state.cell = best;
        kSlider.input.max = cells.length - 1; kSlider.set(best);
        draw();
      }});
    nSlider.input.setAttribute("data-control", "n");
    const kSlider = K.slider(controls, {
      label: "Manifold dimension k", n: row().cells.length, value: state.cell,
      text: i => { const c = row().cells[Math.min(i, row().cells.length - 1)];
                   return "k = " + c.k + (c.e3 ? " (E3 ran here)" : ""); },
      onchange: i => { state.cell = i; draw(); }});
    kSlider.input.setAttribute("data-control", "k");
    K.el("p", {class: "dmm-int-readout", text: "E3's samples are drawn where it ran: " +
               data.pairs.map(p => "(" + p[0] + ", " + p[1] + ")").join(", ") + "."}, root);

    const panels = K.el("div", {class: "dmm-int-panels"}, root);
    const left = K.el("div", {class: "dmm-int-panel"}, panels), right = K.el("div", {class: "dmm-int-panel"}, panels);
    left.style.flex = "1 1 14rem"; right.style.flex = "1.6 1 18rem";
    const whole = K.canvas(left, {label: "density of on(v) over [0, 1]", aspect: 0.8, maxHeight: 340});
    const zoom = K.canvas(right, {label: "density of on(v) around its mean", aspect: 0.62, maxHeight: 340});
    const legend = K.el("p", {class: "dmm-int-readout"}, root);
    const out = K.readout(root);
    let zoomAx = null;

    function vline(ctx, ax, x, colour, dash) {
      if (x < ax.box.x - 0.5 || x > ax.box.x + ax.box.w + 0.5) return;
      ctx.save(); ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.setLineDash(dash || []);
      ctx.beginPath(); ctx.moveTo(x, ax.box.y); ctx.lineTo(x, ax.box.y + ax.box.h); ctx.stroke(); ctx.restore();
    }
    function histogram(values, lo, hi, bins) {  // counts as a density over [lo, hi]
      const h = new Float64Array(bins), w = (hi - lo) / bins;
      let m = 0;
      for (const v of values) {
        if (!isFinite(v)) continue;
        m += 1;
        const b = Math.floor((v - lo) / w);
        if (b >= 0 && b < bins) h[b] += 1;
        else if (v === hi) h[bins - 1] += 1;
      }
      return Array.from(h, c => m ? c / (m * w) : 0);
    }

    function drawWhole() {
      const s = K.scheme(), ctx = K.context(whole), c = cell(), d = dens();
      let peak = 0; d.f.forEach(v => { if (v > peak) peak = v; });
      const ax = K.axes(ctx, {xlim: [0, 1], ylim: [0, 1.08 * peak], xticks: [0, 0.5, 1].map(v => [v, String(v)]),
                              yticks: K.ticks(0, 1.02 * peak, 3), xlabel: "on(v), whole range", ylabel: "density",
                              pad: {l: 52, r: 14, t: 10, b: 40}});
      const [lo, hi] = view(c);
      ctx.save(); ctx.fillStyle = s.faint;  // the window the right panel shows
      ctx.fillRect(ax.X(lo), ax.box.y, Math.max(1, ax.X(hi) - ax.X(lo)), ax.box.h); ctx.restore();
      const xs = [], ys = [];
      if (c.lo > 0) { xs.push(0); ys.push(0); }
      for (let i = 0; i < data.points; i++) { xs.push(rAt(i)); ys.push(d.f[i]); }
      if (c.hi < 1) { xs.push(1); ys.push(0); }
      K.line(ctx, ax, xs, ys, s.fg, {width: 2});
      vline(ctx, ax, ax.X(c.rms), data.colours.rms, [6, 4]);
      vline(ctx, ax, ax.X(c.mean), data.colours.mean);
    }

    const VIEW_SD = 4.5;  // the right panel: mean ± this many sd (the density's window reaches further)
    const view = c => {  // ... widened to hold every one of E3's samples where it ran
      let lo = Math.max(c.lo, c.mean - VIEW_SD * c.sd), hi = Math.min(c.hi, c.mean + VIEW_SD * c.sd);
      const e = dens().e3;
      if (e) for (const a of [e.random, e.grad]) for (const v of a) { if (v < lo) lo = v; if (v > hi) hi = v; }
      return [Math.max(0, lo), Math.min(1, hi)];
    };
    function drawZoom() {
      const s = K.scheme(), ctx = K.context(zoom), c = cell(), d = dens(), [lo, hi] = view(c);
      const bins = c.e3 ? Math.max(12, Math.min(40, Math.round(Math.sqrt(c.e3.random_count) * 1.2))) : 0;
      const hr = c.e3 ? histogram(d.e3.random, lo, hi, bins) : [];
      const hg = c.e3 ? histogram(d.e3.grad, lo, hi, Math.max(10, Math.round(bins * 0.6))) : [];
      let peak = 0; d.f.forEach((v, i) => { const r = rAt(i); if (r >= lo && r <= hi && v > peak) peak = v; });
      hr.concat(hg).forEach(v => { if (v > peak) peak = v; });
      const ax = K.axes(ctx, {xlim: [lo, hi], ylim: [0, 1.08 * peak], xticks: K.ticks(lo, hi, 4),
                              yticks: K.ticks(0, 1.02 * peak, 4), xlabel: "on(v), around its mean", ylabel: "density",
                              pad: {l: 52, r: 16, t: 10, b: 40}});
      zoomAx = ax;
      if (c.e3) {
        const w = (hi - lo) / hr.length, rgb = K.hexRgb(data.colours.random);
        ctx.save(); ctx.fillStyle = `rgba(${rgb[0]},${rgb[1]},${rgb[2]},0.45)`;
        hr.forEach((v, b) => { const x0 = ax.X(lo + b * w), x1 = ax.X(lo + (b + 1) * w);
                               ctx.fillRect(x0, ax.Y(v), x1 - x0, ax.Y(0) - ax.Y(v)); });
        ctx.restore();
        const wg = (hi - lo) / hg.length, xs = [], ys = [];  // the gradient's histogram as a step outline
        hg.forEach((v, b) => { xs.push(lo + b * wg, lo + (b + 1) * wg); ys.push(v, v); });
        K.line(ctx, ax, [lo].concat(xs, [hi]), [0].concat(ys, [0]), data.colours.grad, {width: 2});
      }
      const xs = [], ys = [];
      for (let i = 0; i < data.points; i++) { xs.push(rAt(i)); ys.push(d.f[i]); }
      K.line(ctx, ax, xs, ys, s.fg, {width: 2.5});
      vline(ctx, ax, ax.X(c.rms), data.colours.rms, [6, 4]);
      vline(ctx, ax, ax.X(c.mean), data.colours.mean);
    }

    function swatch(colour, kind) {
      const sp = document.createElement("span");
      sp.style.display = "inline-block"; sp.style.width = "22px"; sp.style.verticalAlign = "middle";
      sp.style.margin = "0 0.3em 0 0";
      if (kind === "fill") { sp.style.height = "0.7em"; sp.style.background = colour; sp.style.opacity = "0.6"; }
      else sp.style.borderTop = "2px " + (kind || "solid") + " " + colour;
      return sp;
    }
    function drawLegend() {
      const c = cell(), items = [
        ["currentColor", "solid", "exact density"],
        [data.colours.mean, "solid", "exact mean"],
        [data.colours.rms, "dashed", "√(k/n), the root-mean-square"]];
      if (c.e3) {
        items.push([data.colours.random, "fill", "E3: " + c.e3.random_count + " random directions"]);
        items.push([data.colours.grad, "solid", "E3: ∇ℓ of an untrained network at " + c.e3.grad_count + " points"]);
      }
      legend.textContent = "";
      items.forEach((it, i) => {
        const span = K.el("span", {}, legend);
        span.style.display = "inline-block"; span.style.maxWidth = "100%"; span.style.marginRight = "1.1em";
        span.appendChild(swatch(it[0], it[1]));
        span.appendChild(document.createTextNode(it[2]));
        if (i < items.length - 1) legend.appendChild(document.createTextNode(" "));
      });
    }

    K.hover(zoom, x => {
      if (!zoomAx) return null;
      const b = zoomAx.box, c = cell();
      if (x < b.x || x > b.x + b.w) return null;
      const [lo, hi] = view(c), r = lo + (x - b.x) / b.w * (hi - lo);
      const i = Math.max(0, Math.min(data.points - 1, Math.round((r - c.lo) / (c.hi - c.lo) * (data.points - 1))));
      return `on(v) = ${K.fmt(rAt(i), 3)}: density ${K.fmt(dens().f[i], 2)}`;
    });

    function draw() {
      const n = row().n, c = cell();
      drawWhole();
      drawZoom();
      drawLegend();
      const fields = [
        {key: "n", label: "n", value: n, text: String(n)},
        {key: "k", label: "k", value: c.k, text: String(c.k)},
        {key: "rms", label: "√(k/n)", value: c.rms, text: K.fmt(c.rms, 4)},
        {key: "mean", label: "exact mean", value: c.mean, text: K.fmt(c.mean, 4)},
        {key: "gap", label: "mean below √(k/n) by", value: 1 - c.mean / c.rms, text: K.fmt(100 * (1 - c.mean / c.rms), 2) + " %"},
        {key: "sd", label: "sd", value: c.sd, text: K.fmt(c.sd, 4)}];
      if (c.e3) {
        fields.push({key: "sample_mean", label: "E3's random directions average", value: c.e3.random_mean, text: K.fmt(c.e3.random_mean, 4)});
        fields.push({key: "grad_mean", label: "untrained ∇ℓ average", value: c.e3.grad_mean, text: K.fmt(c.e3.grad_mean, 4)});
      }
      out.set(fields);
      const what = `n = ${n}, k = ${c.k}: exact mean ${K.fmt(c.mean, 4)}, √(k/n) ${K.fmt(c.rms, 4)}, sd ${K.fmt(c.sd, 4)}`;
      whole.setAttribute("aria-label", `density of on(v) over [0, 1] for ${what}`);
      zoom.setAttribute("aria-label", `density of on(v) around its mean for ${what}` +
                        (c.e3 ? `, with histograms of E3's ${c.e3.random_count} random directions and untrained gradients` : ""));
    }
    return draw;
  });
})();
