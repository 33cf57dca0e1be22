// The course's explorers (grader/explore): sliders over a grid of states that torch computed, drawn as SVG.
// One module for every explorer and every page: it defines window.FMExplorer once; each explorer's output
// calls FMExplorer.mount(container) on a container that holds its states as JSON (script.fm-data).
// Every slider is a native range input (arrow keys, Home, End); what the drawing shows is also written as
// text: a live summary (aria-live) and a list of every window, pixel or cell.
(function () {
  "use strict";
  if (window.FMExplorer) return;
  const SVG = "http://www.w3.org/2000/svg";
  const CELL = 30, GAP = 40, PAD = 6;
  const BLUE = "#1f77b4", RED = "#d62728", GREY = "#d9d9d9";
  const STYLE = `
.fm-explorer{border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:6px 0;font:14px/1.4 system-ui,sans-serif;max-width:100%;overflow-x:auto}
.fm-explorer h4{margin:0 0 6px;font-size:15px}
.fm-controls{display:grid;grid-template-columns:max-content 9em max-content;gap:2px 10px;align-items:center}
.fm-controls output{font-family:monospace}
.fm-call{font-family:monospace;background:#f5f5f5;padding:2px 6px;display:inline-block;margin:6px 0}
.fm-legend{font-size:12px;color:#555;margin:2px 0}
.fm-error{color:#a00;font-family:monospace;white-space:pre-wrap}
.fm-size{font-family:monospace}
.fm-svg text{font:12px monospace;pointer-events:none}
.fm-list{font-size:12px;columns:2;margin:4px 0}
.fm-explorer details{margin-top:4px}
.fm-explorer :focus-visible{outline:2px solid ${RED};outline-offset:2px}`;

  function el(tag, attrs, parent, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // A grid drawn at (x0, y0): cell (r, c) is the rectangle at x0 + c*CELL, y0 + r*CELL.
  function cell(svg, x0, y0, r, c, attrs, label) {
    const rect = el("svg:rect", Object.assign({x: x0 + c * CELL, y: y0 + r * CELL, width: CELL, height: CELL,
      stroke: "#999", "stroke-width": 1}, attrs), svg);
    if (label !== undefined && label !== null) {
      const size = String(label).length <= 3 ? 12 : String(label).length === 4 ? 10 : 8;
      el("svg:text", {x: x0 + c * CELL + CELL / 2, y: y0 + r * CELL + CELL / 2 + 4, "text-anchor": "middle",
        style: `font-size:${size}px`}, svg, label);
    }
    return rect;
  }

  function box(svg, x0, y0, r0, c0, r1, c1, attrs) {  // rows r0..r1 and columns c0..c1, inclusive
    return el("svg:rect", Object.assign({x: x0 + c0 * CELL, y: y0 + r0 * CELL, width: (c1 - c0 + 1) * CELL,
      height: (r1 - r0 + 1) * CELL, fill: "none"}, attrs), svg);
  }

  function caption(svg, x, y, text) {
    el("svg:text", {x: x, y: y}, svg, text);
  }

  function num(v) {
    return typeof v === "number" ? String(v) : v;
  }

  function range(a, b, step) {  // "a–b" or, with a step, "a, a+step, …, b"
    if (a === b) return String(a);
    if (!step || step === 1) return `${a} to ${b}`;
    const out = [];
    for (let i = a; i <= b; i += step) out.push(i);
    return out.join(", ");
  }

  // The output size along one dimension, as the course teaches it (torch's number is shown beside it).
  function poolSize(n, k, s, p, d, ceil) {
    const num = n + 2 * p - d * (k - 1) - 1;
    let o = (ceil ? Math.ceil(num / s) : Math.floor(num / s)) + 1;
    let dropped = false;
    if (ceil && o > 0 && (o - 1) * s >= n + p) { o -= 1; dropped = true; }
    const br = ceil ? ["⌈", "⌉"] : ["⌊", "⌋"];
    const text = `${br[0]}(${n} + 2·${p} − ${d}·(${k} − 1) − 1) / ${s}${br[1]} + 1` +
      (dropped ? " − 1 (that window would start in the right padding)" : "") + ` = ${o}`;
    return {o: o, text: text};
  }

  // -- the drawings: each returns {summary, items (one line per window, pixel or cell), picks, picked(i)} --

  function geometry(ctx) {
    const {svg, params: q, state, meta} = ctx;
    const [H, W] = meta.size;
    const k = [q.kernel_h, q.kernel_w], s = [q.stride_h, q.stride_w], p = [q.padding_h, q.padding_w],
      d = [q.dilation_h, q.dilation_w];
    const sizes = [0, 1].map(i => poolSize(meta.size[i], k[i], s[i], p[i], d[i], q.ceil_mode));
    ctx.formula([`rows:    ${sizes[0].text}`, `columns: ${sizes[1].text}`]);
    const rows = state.e === undefined ? state.r : [], cols = state.e === undefined ? state.c : [];
    const R = Math.max(H + 2 * p[0], ...rows.map(r => r + d[0] * (k[0] - 1) + 1));
    const C = Math.max(W + 2 * p[1], ...cols.map(c => c + d[1] * (k[1] - 1) + 1));
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, `input ${H}×${W}, padded`);
    ctx.legend("Grey cells: padding (max pooling pads with −∞). Dashed cells: beyond the padding, " +
      `which only ceil_mode's last window may reach. Numbers: the input, arange(${H * W}).`);
    for (let r = 0; r < R; r++) {
      for (let c = 0; c < C; c++) {
        const ir = r - p[0], ic = c - p[1];
        const real = ir >= 0 && ir < H && ic >= 0 && ic < W;
        const padded = r < H + 2 * p[0] && c < W + 2 * p[1];
        const rect = cell(svg, x0, y0, r, c, {fill: real ? "#fff" : padded ? GREY : "#fafafa",
          "stroke-dasharray": padded ? "" : "3 2", class: real ? "fm-in" : padded ? "fm-pad" : "fm-beyond"},
          real ? ir * W + ic : null);
        rect.setAttribute("data-r", ir);
        rect.setAttribute("data-c", ic);
      }
    }
    const svgW = x0 + C * CELL;
    ctx.grid = {x0: x0, y0: y0, p: p};
    const items = [], wins = [];
    rows.forEach((r0, i) => cols.forEach((c0, j) => {
      const r1 = r0 + d[0] * (k[0] - 1), c1 = c0 + d[1] * (k[1] - 1);
      wins.push({i, j, r0, c0, r1, c1});
      box(svg, x0, y0, r0, c0, r1, c1, {stroke: BLUE, "stroke-opacity": 0.45, "stroke-width": 1.5, class: "fm-window",
        "data-i": i, "data-j": j});
      items.push(`window (${i}, ${j}): rows ${range(r0 - p[0], r1 - p[0], d[0])}, columns ` +
        `${range(c0 - p[1], c1 - p[1], d[1])}`);
    }));
    const ox = svgW + GAP;
    if (state.e === undefined) {
      caption(svg, ox, 14, `output ${state.o[0]}×${state.o[1]}`);
      for (let i = 0; i < state.o[0]; i++) for (let j = 0; j < state.o[1]; j++)
        cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j});
    }
    ctx.size([svgW + GAP + (state.o ? state.o[1] * CELL : 0) + PAD, y0 + Math.max(R, state.o ? state.o[0] : 0) * CELL + PAD]);
    return {
      summary: state.e === undefined ? `Output ${state.o[0]}×${state.o[1]}: ${wins.length} windows.` : "Torch rejects these arguments.",
      items: items, picks: wins.length,
      picked(n) {
        const w = wins[n];
        for (let t = 0; t < k[0]; t++) for (let u = 0; u < k[1]; u++)
          cell(svg, x0, y0, w.r0 + t * d[0], w.c0 + u * d[1], {fill: RED, "fill-opacity": 0.35, stroke: RED, class: "fm-tap"});
        box(svg, x0, y0, w.r0, w.c0, w.r1, w.c1, {stroke: RED, "stroke-width": 3, class: "fm-picked"});
        cell(svg, ox, y0, w.i, w.j, {fill: RED, "fill-opacity": 0.35, class: "fm-out-picked"});
        return items[n] + " of the input (negative or past the end: padding or beyond)";
      },
    };
  }

  function pool(ctx) {
    const {svg, params: q, state, meta} = ctx;
    const [H, W] = meta.size, k = q.kernel;
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, `input ${H}×${W}`);
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in"}, num(meta.x[r * W + c]));
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, wins = [], items = [];
    if (state.e === undefined) {
      caption(svg, ox, 14, `output ${state.o[0]}×${state.o[1]}`);
      state.r.forEach((r0, i) => state.c.forEach((c0, j) => {
        const v = state.v[i * state.o[1] + j];
        wins.push({i, j, r0, c0});
        box(svg, x0, y0, r0, c0, r0 + k - 1, c0 + k - 1, {stroke: BLUE, "stroke-opacity": 0.45, "stroke-width": 1.5,
          class: "fm-window", "data-i": i, "data-j": j});
        cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j}, num(v));
        items.push(`window (${i}, ${j}): rows ${range(r0, r0 + k - 1)}, columns ${range(c0, c0 + k - 1)}; ${q.mode} = ${num(v)}`);
      }));
    }
    ctx.size([ox + (state.o ? state.o[1] : 0) * CELL + PAD, y0 + H * CELL + PAD]);
    return {
      summary: state.e === undefined ? `Output ${state.o[0]}×${state.o[1]}: ${wins.length} windows.` : "Torch rejects these arguments.",
      items: items, picks: wins.length,
      picked(n) {
        const w = wins[n];
        for (let t = 0; t < k; t++) for (let u = 0; u < k; u++)
          cell(svg, x0, y0, w.r0 + t, w.c0 + u, {fill: RED, "fill-opacity": 0.3, stroke: RED, class: "fm-tap"});
        box(svg, x0, y0, w.r0, w.c0, w.r0 + k - 1, w.c0 + k - 1, {stroke: RED, "stroke-width": 3, class: "fm-picked"});
        cell(svg, ox, y0, w.i, w.j, {fill: RED, "fill-opacity": 0.3, class: "fm-out-picked"});
        return items[n];
      },
    };
  }

  function adaptive(ctx) {
    const {svg, params: q, state} = ctx;
    const H = q.in_h, W = q.in_w, x0 = PAD, y0 = PAD + 16;
    // bin i of n -> out: [floor(i·n/out), ceil((i+1)·n/out)), as the course teaches it (torch's bins are drawn)
    const bins = (n, out) => [...Array(out).keys()].map(i => `[${Math.floor(i * n / out)}, ${Math.ceil((i + 1) * n / out)})`);
    ctx.formula([`rows:    ${bins(H, q.out_h).join(" ")}`, `columns: ${bins(W, q.out_w).join(" ")}`]);
    ctx.legend("The formula's bins, [⌊i·n/out⌋, ⌈(i+1)·n/out⌉); the drawing shows torch's. " +
      `Numbers: the input arange(${H * W}) and the averages of the bins.`);
    caption(svg, x0, 14, `input ${H}×${W}`);
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in"}, r * W + c);
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, wins = [], items = [];
    const [oh, ow] = state.o;
    caption(svg, ox, 14, `output ${oh}×${ow}`);
    state.r.forEach(([r0, r1], i) => state.c.forEach(([c0, c1], j) => {
      const v = state.v[i * ow + j];
      wins.push({i, j, r0, c0, r1, c1});
      box(svg, x0, y0, r0, c0, r1 - 1, c1 - 1, {stroke: BLUE, "stroke-opacity": 0.45, "stroke-width": 1.5,
        class: "fm-window", "data-i": i, "data-j": j});
      cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j}, num(v));
      items.push(`bin (${i}, ${j}): rows [${r0}, ${r1}), columns [${c0}, ${c1}); mean = ${num(v)}`);
    }));
    ctx.size([ox + ow * CELL + PAD, y0 + Math.max(H, oh) * CELL + PAD]);
    return {
      summary: `Output ${oh}×${ow}: ${wins.length} bins.`, items: items, picks: wins.length,
      picked(n) {
        const w = wins[n];
        for (let r = w.r0; r < w.r1; r++) for (let c = w.c0; c < w.c1; c++)
          cell(svg, x0, y0, r, c, {fill: RED, "fill-opacity": 0.3, stroke: RED, class: "fm-tap"});
        box(svg, x0, y0, w.r0, w.c0, w.r1 - 1, w.c1 - 1, {stroke: RED, "stroke-width": 3, class: "fm-picked"});
        cell(svg, ox, y0, w.i, w.j, {fill: RED, "fill-opacity": 0.3, class: "fm-out-picked"});
        return items[n];
      },
    };
  }

  // A line chart of one statistic over the steps: the batches' values (grey dots), torch's running value
  // (blue) and d2l-zh's rule with the same momentum (orange, dashed). Returns its y -> pixel mapping.
  function chart(svg, x0, y0, label, series, width, height) {
    const all = series.flatMap(s => s.values);
    const lo = Math.min(...all), hi = Math.max(...all), scale = height / (hi - lo || 1);
    const X = t => x0 + 8 + t * (width - 16) / Math.max(series[0].values.length - 1, 1);
    const Y = v => y0 + height - (v - lo) * scale;
    el("svg:rect", {x: x0, y: y0, width: width, height: height, fill: "#fff", stroke: "#bbb"}, svg);
    caption(svg, x0, y0 - 4, `${label}: from ${lo.toFixed(2)} to ${hi.toFixed(2)}`);
    for (const s of series) {
      if (s.dots) {
        s.values.forEach((v, t) => el("svg:circle", {cx: X(t), cy: Y(v), r: 2.2, fill: "#999"}, svg));
      } else {
        el("svg:polyline", {points: s.values.map((v, t) => `${X(t)},${Y(v)}`).join(" "), fill: "none",
          stroke: s.colour, "stroke-width": 2, "stroke-dasharray": s.dashed ? "5 3" : "", class: "fm-series",
          "data-series": s.name, "data-lo": lo, "data-scale": scale, "data-y0": y0 + height}, svg);
      }
    }
    return {X, Y};
  }

  function running(ctx) {
    const {svg, params: q, state, meta} = ctx;
    const n = state.o[0], W = Math.max(360, n * 14), Hc = 120, x0 = PAD, y0 = PAD + 16;
    const d2l = state.dm !== undefined;
    ctx.legend("Grey dots: each batch's mean and (unbiased) variance; the data shift from mean 2 to mean 5 halfway. " +
      "Blue: torch's running_mean and running_var (new = (1 − m)·old + m·batch). Orange, dashed: d2l-zh v2's " +
      "rule with the same number (new = m·old + (1 − m)·batch, biased variance)." + (d2l ? "" :
      " momentum=None: torch's cumulative average; d2l-zh has no such setting."));
    const mk = (name, values, colour, dashed) => ({name, values, colour, dashed});
    const top = chart(svg, x0, y0, "mean", [{name: "batch", values: meta.bm, dots: true}, mk("tm", state.tm, BLUE),
      ...(d2l ? [mk("dm", state.dm, "#ff7f0e", true)] : [])], W, Hc);
    const y1 = y0 + Hc + 30;
    const bottom = chart(svg, x0, y1, "variance", [{name: "batch", values: meta.bv, dots: true}, mk("tv", state.tv, BLUE),
      ...(d2l ? [mk("dv", state.dv, "#ff7f0e", true)] : [])], W, Hc);
    ctx.size([x0 + W + PAD, y1 + Hc + PAD]);
    const items = state.tm.map((v, t) => `step ${t + 1}: batch mean ${meta.bm[t]}, variance ${meta.bv[t]}; torch ` +
      `running_mean ${v}, running_var ${state.tv[t]}` + (d2l ? `; d2l-zh rule ${state.dm[t]}, ${state.dv[t]}` : ""));
    return {
      summary: `momentum=${q.momentum === null ? "None" : q.momentum}: after ${n} steps torch's running_mean is ` +
        `${state.tm[n - 1]}` + (d2l ? `, d2l-zh's rule gives ${state.dm[n - 1]}.` : "."),
      items: items, picks: n,
      picked(t) {
        for (const [c, y, h] of [[top, y0, Hc], [bottom, y1, Hc]])
          el("svg:line", {x1: c.X(t), x2: c.X(t), y1: y, y2: y + h, stroke: RED, "stroke-width": 1.5, class: "fm-step"}, svg);
        return items[t];
      },
    };
  }

  function upsample(ctx) {
    const {svg, state, meta} = ctx;
    const [H, W] = meta.size;
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, `input ${H}×${W}`);
    const inputs = [];
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      inputs.push(cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in", "data-r": r, "data-c": c}, num(meta.x[r * W + c])));
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, items = [];
    ctx.legend("Red: the input pixels that the picked output pixel reads, each with its weight. Torch gave the " +
      "weights: each input pixel's one-hot map, interpolated the same way.");
    if (state.e === undefined) {
      const [oh, ow] = state.o;
      caption(svg, ox, 14, `output ${oh}×${ow}`);
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
        const n = i * ow + j, w = state.w[n], terms = [];
        for (let t = 0; t < w.length; t += 2)
          terms.push(`${w[t + 1]}·x[${Math.floor(w[t] / W)}, ${w[t] % W}]`);
        cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j}, num(state.v[n]));
        items.push(`output (${i}, ${j}) = ${terms.join(" + ")} = ${num(state.v[n])}`);
      }
    }
    ctx.size([ox + (state.o ? state.o[1] : 0) * CELL + PAD, y0 + Math.max(H, state.o ? state.o[0] : 0) * CELL + PAD]);
    return {
      summary: state.e === undefined ? `Output ${state.o[0]}×${state.o[1]}.` : "Torch rejects these arguments.",
      items: items, picks: items.length,
      picked(n) {
        const ow = state.o[1], i = Math.floor(n / ow), j = n % ow, w = state.w[n];
        cell(svg, ox, y0, i, j, {fill: RED, "fill-opacity": 0.35, class: "fm-out-picked"});
        for (let t = 0; t < w.length; t += 2) {
          const r = Math.floor(w[t] / W), c = w[t] % W;
          cell(svg, x0, y0, r, c, {fill: RED, "fill-opacity": 0.15 + 0.6 * w[t + 1], stroke: RED, class: "fm-source",
            "data-weight": w[t + 1]});
          el("svg:text", {x: x0 + c * CELL + CELL / 2, y: y0 + r * CELL + 8, fill: RED, "text-anchor": "middle",
            style: "font-size:8px", class: "fm-weight"}, svg, w[t + 1]);
        }
        return items[n];
      },
    };
  }

  function pad(ctx) {
    const {svg, params: q, state, meta} = ctx;
    const [H, W] = meta.size;
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, `input ${H}×${W}`);
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in", "data-r": r, "data-c": c}, r * W + c);
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, items = [];
    ctx.legend(`The input is arange(${H * W}), so each padded value names the input cell it copies. Grey: ` +
      "padding (constant mode fills 0). Blue box: the input.");
    if (state.e === undefined) {
      const [oh, ow] = state.o;
      caption(svg, ox, 14, `padded ${oh}×${ow}`);
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
        const inside = i >= q.top && i < q.top + H && j >= q.left && j < q.left + W;
        const v = Number(state.v[i * ow + j]);
        cell(svg, ox, y0, i, j, {fill: inside ? "#fff" : GREY, class: "fm-out", "data-i": i, "data-j": j}, v);
        const from = q.mode === "constant" && !inside ? "the fill value 0" :
          `input (${Math.floor(v / W)}, ${v % W})`;
        items.push(`padded (${i}, ${j}) = ${v}: ${from}`);
      }
      box(svg, ox, y0, q.top, q.left, q.top + H - 1, q.left + W - 1, {stroke: BLUE, "stroke-width": 2.5, class: "fm-interior"});
    }
    ctx.size([ox + (state.o ? state.o[1] : 0) * CELL + PAD, y0 + Math.max(H, state.o ? state.o[0] : 0) * CELL + PAD]);
    return {
      summary: state.e === undefined ? `Padded size ${state.o[0]}×${state.o[1]}.` : "Torch rejects these arguments.",
      items: items, picks: items.length,
      picked(n) {
        const ow = state.o[1], i = Math.floor(n / ow), j = n % ow, v = Number(state.v[n]);
        cell(svg, ox, y0, i, j, {fill: RED, "fill-opacity": 0.35, class: "fm-out-picked"});
        if (!items[n].endsWith("fill value 0"))
          cell(svg, x0, y0, Math.floor(v / W), v % W, {fill: RED, "fill-opacity": 0.35, stroke: RED, class: "fm-source"});
        return items[n];
      },
    };
  }

  const KINDS = {geometry, pool, adaptive, upsample, pad, running};
  // The torch call that made a state, as Python.
  const pair = (q, name) => `(${q[name + "_h"]}, ${q[name + "_w"]})`;
  const py = v => v === true ? "True" : v === false ? "False" : JSON.stringify(v);
  const CALLS = {
    geometry: q => `F.max_pool2d(x, kernel_size=${pair(q, "kernel")}, stride=${pair(q, "stride")}, ` +
      `padding=${pair(q, "padding")}, dilation=${pair(q, "dilation")}, ceil_mode=${py(q.ceil_mode)})`,
    pool: q => `F.${q.mode}_pool2d(x, kernel_size=${q.kernel}, stride=${q.stride})`,
    upsample: (q, meta) => `F.interpolate(x, ` + (q.by === "size" ?
      `size=(${Math.floor(meta.size[0] * q.factor)}, ${Math.floor(meta.size[1] * q.factor)})` : `scale_factor=${q.factor}`) +
      `, mode=${py(q.mode)}` + (q.mode === "nearest" && !q.align_corners ? "" : `, align_corners=${py(q.align_corners)}`) + ")",
    adaptive: q => `F.adaptive_avg_pool2d(x, (${q.out_h}, ${q.out_w}))   # x: 1×1×${q.in_h}×${q.in_w}`,
    running: q => `nn.BatchNorm2d(1, momentum=${q.momentum === null ? "None" : q.momentum})   # training mode, one batch per step`,
    pad: q => `F.pad(x, (${q.left}, ${q.right}, ${q.top}, ${q.bottom}), mode=${py(q.mode)})`,
  };

  function mount(root) {
    if (!root || root.dataset.mounted) return;
    root.dataset.mounted = "1";
    root.setAttribute("data-lm-suppress-shortcuts", "true");  // Lumino's keymap leaves keys inside alone
    const data = JSON.parse(root.querySelector("script.fm-data").textContent);
    if (!document.getElementById("fm-explorer-style")) el("style", {id: "fm-explorer-style"}, document.head, STYLE);
    el("h4", {}, root, data.title);
    const form = el("div", {class: "fm-controls", role: "group", "aria-label": "sliders"}, root);
    const inputs = [];
    function slider(name, label, max, start) {
      const id = `${root.id}-${name.replace(/\W/g, "_")}`;
      el("label", {for: id}, form, label);
      const input = el("input", {type: "range", id: id, min: 0, max: max, step: 1, value: start, "data-name": name}, form);
      const out = el("output", {for: id}, form);
      input.addEventListener("input", update);
      // JupyterLab's shortcuts (arrow keys, Home, End in command mode) must not take the slider's keys
      input.addEventListener("keydown", event => event.stopPropagation());
      return {input, out};
    }
    data.controls.forEach(c => inputs.push(Object.assign(slider(c.name, c.label, c.shown.length - 1, c.start), {control: c})));
    const pick = slider("pick", data.pick, 0, 0);
    pick.input.classList.add("fm-pick");
    const call = el("code", {class: "fm-call"}, el("div", {}, root));
    const formula = el("pre", {class: "fm-size"}, root);
    const error = el("p", {class: "fm-error", role: "status"}, root);
    const svg = el("svg:svg", {class: "fm-svg", role: "img"}, el("div", {}, root));
    const legend = el("p", {class: "fm-legend"}, root);
    const live = el("p", {class: "fm-live", "aria-live": "polite"}, root);
    const details = el("details", {}, root);
    el("summary", {}, details, "Every window, pixel or cell as text");
    const list = el("ol", {class: "fm-list", start: 0}, details);

    function update() {
      let index = 0;
      const params = {};
      for (const {input, out, control} of inputs) {
        const n = Number(input.value), shown = control.shown[n];
        index = index * control.shown.length + n;
        params[control.name] = JSON.parse({True: "true", False: "false", None: "null"}[shown] || shown);
        input.setAttribute("aria-valuetext", shown);
        out.textContent = shown;
      }
      const state = data.states[index];
      root.dataset.state = index;
      call.textContent = CALLS[data.kind](params, data.meta);
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      formula.textContent = "";
      formula.hidden = true;
      legend.textContent = "";
      const ctx = {
        svg, params, state, meta: data.meta,
        size([w, h]) { svg.setAttribute("width", w); svg.setAttribute("height", h); },
        formula(lines) { formula.textContent = lines.join("\n"); formula.hidden = false; },
        legend(text) { legend.textContent = text; },
      };
      const drawn = KINDS[data.kind](ctx);
      svg.setAttribute("data-cell", CELL);
      if (ctx.grid) {
        svg.setAttribute("data-x0", ctx.grid.x0);
        svg.setAttribute("data-y0", ctx.grid.y0);
      }
      const message = state.e === undefined ? "" : data.errors[state.e];
      error.textContent = message;
      error.hidden = !message;
      pick.input.max = Math.max(drawn.picks - 1, 0);
      pick.input.disabled = drawn.picks === 0;
      if (Number(pick.input.value) > drawn.picks - 1) pick.input.value = Math.max(drawn.picks - 1, 0);
      let picked = "";
      if (drawn.picks > 0) {
        const n = Number(pick.input.value);
        picked = drawn.picked(n);
        pick.out.textContent = `${n + 1} of ${drawn.picks}`;
        pick.input.setAttribute("aria-valuetext", picked);
      } else {
        pick.out.textContent = "none";
        pick.input.setAttribute("aria-valuetext", "none");
      }
      svg.setAttribute("aria-label", drawn.summary);
      live.textContent = [drawn.summary, message, picked].filter(Boolean).join(" ");
      list.replaceChildren(...drawn.items.map(t => el("li", {}, null, t)));
    }
    update();
  }

  window.FMExplorer = {mount: mount, poolSize: poolSize};
})();
