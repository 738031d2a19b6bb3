/* E1-scrub: the boundary's height over the chessboard, at every saved step of training.
 * Data: dmm_edu/interactive/clinging.py. Left: the height field (the sheet seen from above; colour =
 * how far above or below the board the boundary crosses). Right: cling and train accuracy over
 * training, with the current step marked; click it to jump there. */
(function () {
  "use strict";
  DMMI.register("E1-scrub", function (root, data, K) {
    const state = {recipe: 0, seed: 0, frame: 0};
    const decoded = {};  // "recipe/seed" -> Float32Array of every frame
    const frames = () => {
      const k = state.recipe + "/" + state.seed;
      if (!decoded[k]) decoded[k] = K.grid(run().frames);
      return decoded[k];
    };
    const run = () => data.recipes[state.recipe].seeds[state.seed];
    const clock = () => run().clock;
    const fracText = step => {
      const f = step / clock();
      return f < 0.01 && step > 0 ? "<1 % of τ" : Math.round(100 * f) + " % of τ";
    };
    const controls = K.el("div", {class: "dmm-int-controls"}, root);
    const recipeSelect = K.select(controls, {label: "Recipe", options: data.recipes.map((r, i) => ({value: i, text: r.label})),
                                             onchange: v => { state.recipe = +v; setFrameFromStep(); draw(); }});
    recipeSelect.setAttribute("data-control", "recipe");
    const seedSelect = K.select(controls, {label: "Seed", options: data.recipes[0].seeds.map((s, i) => ({value: i, text: "seed " + i})),
                                           onchange: v => { state.seed = +v; setFrameFromStep(); draw(); }});
    seedSelect.setAttribute("data-control", "seed");
    let lastStep = 0;
    const slider = K.slider(root, {
      label: "Training step", n: run().steps.length, value: 0,
      text: i => { const s = run().steps[Math.min(i, run().steps.length - 1)]; return K.thousands(s) + " (" + fracText(s) + ")"; },
      onchange: i => { state.frame = i; lastStep = run().steps[i]; draw(); }});
    slider.input.setAttribute("data-control", "step");
    function setFrameFromStep() {  // keep the step when the run changes (its frames sit at other steps)
      const steps = run().steps;
      let best = 0;
      steps.forEach((s, i) => { if (Math.abs(s - lastStep) < Math.abs(steps[best] - lastStep)) best = i; });
      slider.input.max = steps.length - 1;
      state.frame = best;
      slider.set(best);
    }
    const panels = K.el("div", {class: "dmm-int-panels"}, root);
    const left = K.el("div", {class: "dmm-int-panel"}, panels), right = K.el("div", {class: "dmm-int-panel"}, panels);
    const map = K.canvas(left, {label: "height of the decision boundary over the chessboard", aspect: 0.86, maxHeight: 380});
    const chart = K.canvas(right, {label: "cling and train accuracy over training", aspect: 0.86, maxHeight: 380});
    const out = K.readout(root);
    const n = data.axis.length, lo = data.axis[0], hi = data.axis[n - 1];
    let mapAx = null, chartAx = null;

    function drawMap() {
      const s = K.scheme(), ctx = K.context(map), bg = K.cssRgb(s.bg);
      const below = K.hexRgb(data.colours.below), above = K.hexRgb(data.colours.above);
      const size = Math.min(ctx.w - 70, ctx.h - 44);
      const box = {x: 44, y: 8, w: size, h: size};
      const f = frames(), off = state.frame * n * n;
      K.heatmap(ctx, box, f.subarray(off, off + n * n), n, n,
                v => K.diverging(v / data.s_max, below, above, bg), K.mix(bg, K.cssRgb(s.muted), 0.35));
      const X = t => box.x + (t - lo) / (hi - lo) * box.w, Y = t => box.y + box.h - (t - lo) / (hi - lo) * box.h;
      mapAx = {box: box, X: X, Y: Y};
      ctx.strokeStyle = s.muted; ctx.strokeRect(box.x, box.y, box.w, box.h);
      data.points.forEach((p, i) => K.dot(ctx, X(p[0]), Y(p[1]), 4, data.colours.classes[data.labels[i]], s.fg));
      K.font(ctx, 13); ctx.fillStyle = s.fg;
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText("t₁ (along the board)", box.x + box.w / 2, box.y + box.h + 6);
      K.ylabel(ctx, "t₂", 12, box.y + box.h / 2);
      // colour bar: -s_max (below the board) ... +s_max (above)
      const bx = box.x + box.w + 10, bw = 10;
      K.colourBar(ctx, bx, box.y, bw, box.h, f => K.diverging(f, below, above, bg));
      ctx.strokeStyle = s.muted; ctx.strokeRect(bx, box.y, bw, box.h);
      ctx.fillStyle = s.fg; ctx.textAlign = "left"; ctx.textBaseline = "middle";
      ctx.fillText("+" + data.s_max, bx + bw + 3, box.y + 6);
      ctx.fillText("0", bx + bw + 3, box.y + box.h / 2);
      ctx.fillText("−" + data.s_max, bx + bw + 3, box.y + box.h - 6);
    }

    const tick = v => v === 0 ? "0" : v >= 1000 ? (v / 1000) + "k" : String(v);
    function drawChart() {
      const s = K.scheme(), ctx = K.context(chart), r = run();
      const xs = r.steps.map(v => v + 1), last = xs[xs.length - 1];
      const ticks = [0, 10, 100, 1000, 10000, 100000, 1000000].filter(v => v + 1 <= last).map(v => [v + 1, tick(v)]);
      chartAx = K.axes(ctx, {xlim: [1, last], ylim: [0, 1.05], xlog: true, xticks: ticks,
                             yticks: [0, 0.25, 0.5, 0.75, 1].map(v => [v, String(v)]), xlabel: "training step (log)",
                             pad: {l: 40, r: 10, t: 44, b: 40}});
      const tauX = chartAx.X(r.clock + 1);
      ctx.save(); ctx.strokeStyle = s.muted; ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(tauX, chartAx.box.y); ctx.lineTo(tauX, chartAx.box.y + chartAx.box.h); ctx.stroke();
      ctx.restore();
      K.font(ctx, 13); ctx.fillStyle = s.fg; ctx.textAlign = "right"; ctx.textBaseline = "top";
      ctx.fillText("τ", tauX - 3, chartAx.box.y + 2);
      K.line(ctx, chartAx, xs, r.cling, data.colours.cling);
      K.line(ctx, chartAx, xs, r.accuracy, data.colours.accuracy, {dash: [6, 3]});
      const i = state.frame, x = chartAx.X(xs[i]);
      ctx.strokeStyle = s.fg; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, chartAx.box.y); ctx.lineTo(x, chartAx.box.y + chartAx.box.h); ctx.stroke();
      K.dot(ctx, x, chartAx.Y(r.cling[i]), 4.5, data.colours.cling, s.fg);
      K.dot(ctx, x, chartAx.Y(r.accuracy[i]), 4.5, data.colours.accuracy, s.fg);
      K.legend(ctx, chartAx.box.x, 0, [
        {text: "cling (0 = on the board)", colour: data.colours.cling},
        {text: "train accuracy", colour: data.colours.accuracy, dash: [6, 3]}]);
    }

    K.hover(map, (x, y) => {
      if (!mapAx) return null;
      const b = mapAx.box;
      if (x < b.x || x > b.x + b.w || y < b.y || y > b.y + b.h) return null;
      const j = Math.min(n - 1, Math.floor((x - b.x) / b.w * n)), i = Math.min(n - 1, Math.floor((b.y + b.h - y) / b.h * n));
      const v = frames()[state.frame * n * n + i * n + j];
      const where = `t = (${K.fmt(data.axis[j])}, ${K.fmt(data.axis[i])})`;
      return isFinite(v) ? `${where}: the boundary crosses at height ${v >= 0 ? "+" : ""}${K.fmt(v, 3)}`
                         : `${where}: no crossing within ±${data.s_max}`;
    });
    const nearest = x => {
      const xs = run().steps.map(v => chartAx.X(v + 1));
      let best = 0;
      xs.forEach((v, i) => { if (Math.abs(v - x) < Math.abs(xs[best] - x)) best = i; });
      return best;
    };
    K.hover(chart, x => {
      if (!chartAx) return null;
      const i = nearest(x), r = run();
      return `step ${K.thousands(r.steps[i])}: cling ${K.fmt(r.cling[i])}, accuracy ${K.fmt(r.accuracy[i])}`;
    });
    chart.addEventListener("click", ev => {
      const i = nearest(ev.clientX - chart.getBoundingClientRect().left);
      state.frame = i; lastStep = run().steps[i]; slider.set(i); draw();
    });

    function draw() {
      const r = run(), i = state.frame;
      drawMap();
      drawChart();
      out.set([
        {key: "step", label: "step", value: r.steps[i], text: K.thousands(r.steps[i]) + " (" + fracText(r.steps[i]) + ")"},
        {key: "cling", label: "cling", value: r.cling[i], text: K.fmt(r.cling[i])},
        {key: "missing", label: "no crossing within ±" + data.s_max + " on", value: r.missing[i], text: K.pct(r.missing[i]) + " of the board"},
        {key: "accuracy", label: "train accuracy", value: r.accuracy[i], text: K.fmt(r.accuracy[i])}]);
      map.setAttribute("aria-label", `height of the boundary over the chessboard at step ${r.steps[i]}: cling ${K.fmt(r.cling[i])}`);
    }
    return draw;
  });
})();
