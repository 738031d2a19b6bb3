/* E10-eps: N2's training images and its clean test accuracy at each attack budget ε.
 * Data: dmm_edu/interactive/mislabeled.py. Top: the first training digits x (label y), the mislabeled
 * x + δ that N2 trains on (new label ỹ) and δ itself on a diverging scale, at the chosen ε and rule.
 * Below: N2's clean test accuracy against ε for both rules, with chance and N1 as references; click
 * the chart to jump to an ε. */
(function () {
  "use strict";
  DMMI.register("E10-eps", function (root, data, K) {
    const state = {eps: data.eps.length - 1, rule: 0};
    const E = data.y.length, shape = data.x.shape, CH = shape[1], H = shape[2], W = shape[3], P = CH * H * W;
    const clean = K.grid(data.x);  // (E, C, H, W)
    const adv = data.rules.map(r => K.grid(r.x_adv));  // per rule: (K, E, C, H, W)
    const rule = () => data.rules[state.rule];
    const epsText = e => "ε = " + e;

    const controls = K.el("div", {class: "dmm-int-controls"}, root);
    const slider = K.slider(controls, {
      label: "Attack budget", n: data.eps.length, value: state.eps, text: i => epsText(data.eps[i]),
      onchange: i => { state.eps = i; draw(); }});
    slider.input.setAttribute("data-control", "eps");
    const ruleSelect = K.select(controls, {
      label: "New label ỹ", options: data.rules.map((r, i) => ({value: i, text: r.label})), value: 0,
      onchange: v => { state.rule = +v; draw(); }});
    ruleSelect.setAttribute("data-control", "rule");

    const panels = K.el("div", {class: "dmm-int-panels"}, root);
    const top = K.el("div", {class: "dmm-int-panel", style: "flex-basis: 100%"}, panels);
    const bottom = K.el("div", {class: "dmm-int-panel", style: "flex-basis: 100%"}, panels);
    const pics = K.canvas(top, {label: "N2's training images", aspect: 0.5, maxHeight: 2000, minHeight: 100});
    const chart = K.canvas(bottom, {label: "N2's clean test accuracy against the attack budget", aspect: 0.5,
                                    maxHeight: 320, minHeight: 240});
    const out = K.readout(root);
    let layout = null, chartAx = null;

    /* one image (C, H, W) at offset off of values, into the box: grey (C = 1) or colour (C = 3);
       signed (δ): the channel mean on the diverging scale ±vmax */
    function image(ctx, box, values, off, signed, vmax, below, above, bg) {
      const img = document.createElement("canvas");
      img.width = W; img.height = H;
      const ic = img.getContext("2d"), d = ic.createImageData(W, H);
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const k = 4 * (i * W + j);
          let rgb;
          if (signed) {
            let v = 0;
            for (let c = 0; c < CH; c++) v += values[off + c * H * W + i * W + j];
            rgb = K.diverging(v / CH / vmax, below, above, bg);
          } else if (CH === 1) {
            const g = Math.round(255 * Math.max(0, Math.min(1, values[off + i * W + j])));
            rgb = [g, g, g];
          } else {
            rgb = [0, 1, 2].map(c => Math.round(255 * Math.max(0, Math.min(1, values[off + c * H * W + i * W + j]))));
          }
          d.data[k] = rgb[0]; d.data[k + 1] = rgb[1]; d.data[k + 2] = rgb[2]; d.data[k + 3] = 255;
        }
      }
      ic.putImageData(d, 0, 0);
      ctx.save(); ctx.imageSmoothingEnabled = false; ctx.drawImage(img, box.x, box.y, box.w, box.h); ctx.restore();
    }

    function geometry(w) {  // the image grid: columns of examples, in one or more blocks of three rows
      const labelW = 50, gap = 6, text = 18;
      const ncols = Math.max(1, Math.min(E, Math.floor((w - labelW + gap) / (58 + gap))));
      const cell = Math.min(90, (w - labelW - gap * (ncols - 1)) / ncols);
      const blocks = Math.ceil(E / ncols), rowH = cell + text + 4, blockH = 3 * rowH + 10;
      return {labelW: labelW, gap: gap, ncols: ncols, cell: cell, rowH: rowH, blockH: blockH, blocks: blocks,
              head: 24, height: 24 + blocks * blockH + 44};
    }

    function drawPics() {
      const s = K.scheme(), w = Math.max(200, Math.round(pics.parentElement.getBoundingClientRect().width));
      const g = geometry(w - 2);  // 2 px to spare: the frames of the last column stay inside
      pics.dmm.aspect = g.height / w;
      const ctx = K.context(pics), r = rule(), k = state.eps, vmax = data.delta_max[k];
      const below = K.hexRgb(data.colours.below), above = K.hexRgb(data.colours.above), bg = K.cssRgb(s.bg);
      const a = adv[state.rule], advOff = i => (k * E + i) * P;
      const delta = new Float32Array(E * P);  // δ = (x + δ) − x at this ε and rule
      for (let i = 0; i < E; i++) for (let p = 0; p < P; p++) delta[i * P + p] = a[advOff(i) + p] - clean[i * P + p];
      layout = {g: g, cells: []};
      K.font(ctx, 13); ctx.fillStyle = s.fg; ctx.textAlign = "left"; ctx.textBaseline = "top";
      const heads = [`${r.short} at ${epsText(data.eps[k])}: the first ${E} of N2's ${K.thousands(data.n_train)} training images`,
                     `${r.short} at ${epsText(data.eps[k])}: ${E} of N2's training images`, `${r.short} at ${epsText(data.eps[k])}`];
      ctx.fillText(heads.find(t => ctx.measureText(t).width <= w - 2) || heads[heads.length - 1], 0, 2);
      for (let b = 0; b < g.blocks; b++) {
        const y0 = g.head + b * g.blockH;
        const names = ["x", "x + δ", "δ"];
        names.forEach((name, row) => {
          ctx.fillStyle = s.fg; ctx.textAlign = "left"; ctx.textBaseline = "middle";
          ctx.fillText(name, 0, y0 + row * g.rowH + g.cell / 2);
        });
        for (let c = 0; c < g.ncols; c++) {
          const i = b * g.ncols + c;
          if (i >= E) break;
          const x0 = g.labelW + c * (g.cell + g.gap);
          const t = r.targets[i], same = t === data.y[i];
          const rows = [
            {values: clean, off: i * P, signed: false, text: "y = " + data.y[i]},
            {values: a, off: advOff(i), signed: false, text: "ỹ = " + t + (same ? " = y" : "")},
            {values: delta, off: i * P, signed: true, text: "‖δ‖ " + K.fmt(r.delta_norm[k][i])}];
          rows.forEach((row, j) => {
            const box = {x: x0, y: y0 + j * g.rowH, w: g.cell, h: g.cell};
            image(ctx, box, row.values, row.off, row.signed, vmax, below, above, bg);
            ctx.strokeStyle = s.muted; ctx.lineWidth = 1; ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.w + 1, box.h + 1);
            ctx.fillStyle = s.fg; ctx.textAlign = "center"; ctx.textBaseline = "top";
            ctx.fillText(row.text, box.x + box.w / 2, box.y + box.h + 3);
            layout.cells.push({box: box, i: i, row: j});
          });
        }
      }
      // the δ row's colour bar: −vmax … 0 … +vmax
      const cy = g.head + g.blocks * g.blockH + 2, cw = Math.min(240, w - g.labelW - 90), cx = g.labelW;
      for (let p = 0; p < cw; p++) {
        const rgb = K.diverging(2 * p / (cw - 1) - 1, below, above, bg);
        ctx.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`; ctx.fillRect(cx + p, cy, 1, 12);
      }
      ctx.strokeStyle = s.muted; ctx.strokeRect(cx, cy, cw, 12);
      ctx.fillStyle = s.fg; ctx.textBaseline = "top";
      ctx.textAlign = "left"; ctx.fillText("−" + K.fmt(vmax), cx, cy + 15);
      ctx.textAlign = "center"; ctx.fillText("0", cx + cw / 2, cy + 15);
      ctx.textAlign = "right"; ctx.fillText("+" + K.fmt(vmax), cx + cw, cy + 15);
      ctx.textAlign = "left"; ctx.textBaseline = "middle"; ctx.fillText("δ", 0, cy + 6);
    }

    function drawChart() {
      const s = K.scheme(), ctx = K.context(chart), k = state.eps, last = data.eps[data.eps.length - 1];
      chartAx = K.axes(ctx, {xlim: [0, last * 1.08], ylim: [0, 1.05], xticks: [0].concat(data.eps).map(v => [v, String(v)]),
                             yticks: [0, 0.25, 0.5, 0.75, 1].map(v => [v, String(v)]),
                             xlabel: "attack budget ε (L2)", ylabel: "N2 clean test accuracy",
                             pad: {l: 56, r: 12, t: 8 + 18 * data.rules.length, b: 40}});
      const b = chartAx.box;
      const ref = (v, dash, text) => {
        ctx.save(); ctx.strokeStyle = data.colours.reference; ctx.lineWidth = 1.5; ctx.setLineDash(dash);
        ctx.beginPath(); ctx.moveTo(b.x, chartAx.Y(v)); ctx.lineTo(b.x + b.w, chartAx.Y(v)); ctx.stroke(); ctx.restore();
        K.font(ctx, 13); ctx.fillStyle = s.fg; ctx.textAlign = "left"; ctx.textBaseline = "bottom";
        ctx.fillText(text, b.x + 4, chartAx.Y(v) - 2);
      };
      ref(data.chance, [5, 4], "chance 1/C");
      ref(data.N1, [2, 3], "N1 (true labels)");
      const x = chartAx.X(data.eps[k]);
      ctx.strokeStyle = s.fg; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, b.y); ctx.lineTo(x, b.y + b.h); ctx.stroke();
      const order = data.rules.map((r, i) => i).filter(i => i !== state.rule).concat([state.rule]);  // the chosen rule on top
      for (const i of order) {
        const r = data.rules[i], chosen = i === state.rule;
        K.line(ctx, chartAx, data.eps, r.accuracy, r.colour, {width: chosen ? 3 : 1.5});
        data.eps.forEach((e, j) => K.dot(ctx, chartAx.X(e), chartAx.Y(r.accuracy[j]), j === k && chosen ? 6 : 3.5,
                                         r.colour, j === k ? s.fg : null));
      }
      K.legend(ctx, b.x, 0, data.rules.map(r => ({text: r.short + ": " + r.legend, colour: r.colour})));
    }

    K.hover(pics, (px, py) => {
      if (!layout) return null;
      const hit = layout.cells.find(c => px >= c.box.x && px < c.box.x + c.box.w && py >= c.box.y && py < c.box.y + c.box.h);
      if (!hit) return null;
      const r = rule(), i = hit.i, k = state.eps;
      const row = Math.min(H - 1, Math.floor((py - hit.box.y) / hit.box.h * H)), col = Math.min(W - 1, Math.floor((px - hit.box.x) / hit.box.w * W));
      let xv = 0, av = 0;
      for (let c = 0; c < CH; c++) { xv += clean[i * P + c * H * W + row * W + col]; av += adv[state.rule][(k * E + i) * P + c * H * W + row * W + col]; }
      xv /= CH; av /= CH;
      const d = av - xv;
      return `image ${i + 1}: y = ${data.y[i]}, ỹ = ${r.targets[i]}, ‖δ‖₂ = ${K.fmt(r.delta_norm[k][i])}; ` +
             `pixel (${row}, ${col}): x ${K.fmt(xv)}, x + δ ${K.fmt(av)}, δ ${d >= 0 ? "+" : ""}${K.fmt(d)}`;
    });
    const nearest = px => {
      let best = 0;
      data.eps.forEach((e, j) => { if (Math.abs(chartAx.X(e) - px) < Math.abs(chartAx.X(data.eps[best]) - px)) best = j; });
      return best;
    };
    K.hover(chart, px => {
      if (!chartAx) return null;
      const j = nearest(px);
      return `ε = ${data.eps[j]}: ` + data.rules.map(r => `${r.short} ${K.fmt(r.accuracy[j], 3)}`).join(", ") +
             ` · N1 ${K.fmt(data.N1, 3)} · chance ${K.fmt(data.chance, 2)}`;
    });
    chart.addEventListener("click", ev => {
      if (!chartAx) return;
      state.eps = nearest(ev.clientX - chart.getBoundingClientRect().left); slider.set(state.eps); draw();
    });

    function draw() {
      const r = rule(), k = state.eps, e = data.eps[k];
      drawPics();
      drawChart();
      out.set([
        {key: "eps", label: "ε", value: e, text: String(e)},
        {key: "rule", label: "rule", value: r.key, text: r.short},
        {key: "accuracy", label: "N2 clean test accuracy", value: r.accuracy[k], text: K.fmt(r.accuracy[k], 3)},
        {key: "relative", label: "relative to N1's", value: r.relative[k], text: K.pct(r.relative[k])},
        {key: "attack_success_changed", label: "attack reached ỹ on", value: r.attack_success_changed[k],
         text: K.pct(r.attack_success_changed[k]) + " of the images whose label changed (ỹ ≠ y)"}]);
      const labels = r.targets.map((t, i) => `${data.y[i]}→${t}`).join(", ");
      pics.setAttribute("aria-label", `N2's training images for ${r.short} at ε = ${e}: ${E} clean digits x, ` +
                        `the same plus δ with their new labels (y→ỹ: ${labels}), and δ on a colour scale ±${K.fmt(data.delta_max[k])}`);
      chart.setAttribute("aria-label", `N2's clean test accuracy against ε for both rules; at ε = ${e}: ` +
                         data.rules.map(q => `${q.short} ${K.fmt(q.accuracy[k], 3)}`).join(", ") +
                         `; N1 ${K.fmt(data.N1, 3)}, chance ${K.fmt(data.chance, 2)}`);
    }
    return draw;
  });
})();
