// The course's explorers (grader/explore): sliders over a grid of states that torch computed, drawn as SVG.
// One module for every explorer and every page: it defines window.FMExplorer once; each explorer's output
// calls FMExplorer.mount(container) on a container that holds its states as JSON (script.fm-data).
// Every slider is a native range input (arrow keys, Home, End); what the drawing shows is also written as
// text: a live summary (aria-live) and a list of every window, pixel or cell. Every sentence is a template from
// the payload (data.text, said in the notebook's language by grader/explore), filled in by fill(): this module
// translates nothing itself.
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

  // A template with {fields} (one of data.text, in the notebook's language) filled in.
  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => name in fields ? String(fields[name]) : whole);
  }

  const ENGLISH = {to: "{a} to {b}", dropped: "{formula} − 1 (that window would start in the right padding)"};

  function range(a, b, step, text) {  // "a to b" or, with a step, "a, a+step, …, b"
    if (a === b) return String(a);
    if (!step || step === 1) return fill((text || ENGLISH).to, {a, b});
    const out = [];
    for (let i = a; i <= b; i += step) out.push(i);
    return out.join(", ");
  }

  // The output size along one dimension, as the course teaches it (torch's number is shown beside it).
  function poolSize(n, k, s, p, d, ceil, text) {
    const num = n + 2 * p - d * (k - 1) - 1;
    let o = (ceil ? Math.ceil(num / s) : Math.floor(num / s)) + 1;
    let dropped = false;
    if (ceil && o > 0 && (o - 1) * s >= n + p) { o -= 1; dropped = true; }
    const br = ceil ? ["⌈", "⌉"] : ["⌊", "⌋"];
    const formula = `${br[0]}(${n} + 2·${p} − ${d}·(${k} − 1) − 1) / ${s}${br[1]} + 1`;
    return {o: o, text: (dropped ? fill((text || ENGLISH).dropped, {formula}) : formula) + ` = ${o}`};
  }

  // -- the drawings: each returns {summary, items (one line per window, pixel or cell), picks, picked(i)} --

  function geometry(ctx) {
    const {svg, params: q, state, meta, t, text} = ctx;
    const [H, W] = meta.size;
    const k = [q.kernel_h, q.kernel_w], s = [q.stride_h, q.stride_w], p = [q.padding_h, q.padding_w],
      d = [q.dilation_h, q.dilation_w];
    const sizes = [0, 1].map(i => poolSize(meta.size[i], k[i], s[i], p[i], d[i], q.ceil_mode, text));
    ctx.formula([t("rows", {bins: sizes[0].text}), t("columns", {bins: sizes[1].text})]);
    const rows = state.e === undefined ? state.r : [], cols = state.e === undefined ? state.c : [];
    const R = Math.max(H + 2 * p[0], ...rows.map(r => r + d[0] * (k[0] - 1) + 1));
    const C = Math.max(W + 2 * p[1], ...cols.map(c => c + d[1] * (k[1] - 1) + 1));
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, t("padded_input", {h: H, w: W}));
    ctx.legend(t("geometry_legend", {n: H * W}));
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
      items.push(t("window", {i, j, rows: range(r0 - p[0], r1 - p[0], d[0], text),
        columns: range(c0 - p[1], c1 - p[1], d[1], text)}));
    }));
    const ox = svgW + GAP;
    if (state.e === undefined) {
      caption(svg, ox, 14, t("output", {h: state.o[0], w: state.o[1]}));
      for (let i = 0; i < state.o[0]; i++) for (let j = 0; j < state.o[1]; j++)
        cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j});
    }
    ctx.size([svgW + GAP + (state.o ? state.o[1] * CELL : 0) + PAD, y0 + Math.max(R, state.o ? state.o[0] : 0) * CELL + PAD]);
    return {
      summary: state.e === undefined ? t("windows", {h: state.o[0], w: state.o[1], n: wins.length}) : t("rejected"),
      items: items, picks: wins.length,
      picked(n) {
        const w = wins[n];
        for (let a = 0; a < k[0]; a++) for (let b = 0; b < k[1]; b++)
          cell(svg, x0, y0, w.r0 + a * d[0], w.c0 + b * d[1], {fill: RED, "fill-opacity": 0.35, stroke: RED, class: "fm-tap"});
        box(svg, x0, y0, w.r0, w.c0, w.r1, w.c1, {stroke: RED, "stroke-width": 3, class: "fm-picked"});
        cell(svg, ox, y0, w.i, w.j, {fill: RED, "fill-opacity": 0.35, class: "fm-out-picked"});
        return t("window_input", {window: items[n]});
      },
    };
  }

  function pool(ctx) {
    const {svg, params: q, state, meta, t, text} = ctx;
    const [H, W] = meta.size, k = q.kernel;
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, t("input", {h: H, w: W}));
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in"}, num(meta.x[r * W + c]));
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, wins = [], items = [];
    if (state.e === undefined) {
      caption(svg, ox, 14, t("output", {h: state.o[0], w: state.o[1]}));
      state.r.forEach((r0, i) => state.c.forEach((c0, j) => {
        const v = state.v[i * state.o[1] + j];
        wins.push({i, j, r0, c0});
        box(svg, x0, y0, r0, c0, r0 + k - 1, c0 + k - 1, {stroke: BLUE, "stroke-opacity": 0.45, "stroke-width": 1.5,
          class: "fm-window", "data-i": i, "data-j": j});
        cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j}, num(v));
        items.push(t("pool_window", {i, j, rows: range(r0, r0 + k - 1, 1, text), columns: range(c0, c0 + k - 1, 1, text),
          mode: q.mode, value: num(v)}));
      }));
    }
    ctx.size([ox + (state.o ? state.o[1] : 0) * CELL + PAD, y0 + H * CELL + PAD]);
    return {
      summary: state.e === undefined ? t("windows", {h: state.o[0], w: state.o[1], n: wins.length}) : t("rejected"),
      items: items, picks: wins.length,
      picked(n) {
        const w = wins[n];
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++)
          cell(svg, x0, y0, w.r0 + a, w.c0 + b, {fill: RED, "fill-opacity": 0.3, stroke: RED, class: "fm-tap"});
        box(svg, x0, y0, w.r0, w.c0, w.r0 + k - 1, w.c0 + k - 1, {stroke: RED, "stroke-width": 3, class: "fm-picked"});
        cell(svg, ox, y0, w.i, w.j, {fill: RED, "fill-opacity": 0.3, class: "fm-out-picked"});
        return items[n];
      },
    };
  }

  function adaptive(ctx) {
    const {svg, params: q, state, t} = ctx;
    const H = q.in_h, W = q.in_w, x0 = PAD, y0 = PAD + 16;
    // bin i of n -> out: [floor(i·n/out), ceil((i+1)·n/out)), as the course teaches it (torch's bins are drawn)
    const bins = (n, out) => [...Array(out).keys()].map(i => `[${Math.floor(i * n / out)}, ${Math.ceil((i + 1) * n / out)})`);
    ctx.formula([t("rows", {bins: bins(H, q.out_h).join(" ")}), t("columns", {bins: bins(W, q.out_w).join(" ")})]);
    ctx.legend(t("adaptive_legend", {n: H * W}));
    caption(svg, x0, 14, t("input", {h: H, w: W}));
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in"}, r * W + c);
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, wins = [], items = [];
    const [oh, ow] = state.o;
    caption(svg, ox, 14, t("output", {h: oh, w: ow}));
    state.r.forEach(([r0, r1], i) => state.c.forEach(([c0, c1], j) => {
      const v = state.v[i * ow + j];
      wins.push({i, j, r0, c0, r1, c1});
      box(svg, x0, y0, r0, c0, r1 - 1, c1 - 1, {stroke: BLUE, "stroke-opacity": 0.45, "stroke-width": 1.5,
        class: "fm-window", "data-i": i, "data-j": j});
      cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j}, num(v));
      items.push(t("bin", {i, j, r0, r1, c0, c1, value: num(v)}));
    }));
    ctx.size([ox + ow * CELL + PAD, y0 + Math.max(H, oh) * CELL + PAD]);
    return {
      summary: t("bins", {h: oh, w: ow, n: wins.length}), items: items, picks: wins.length,
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
  function chart(svg, x0, y0, label, series, width, height, t) {
    const all = series.flatMap(s => s.values);
    const lo = Math.min(...all), hi = Math.max(...all), scale = height / (hi - lo || 1);
    const X = t => x0 + 8 + t * (width - 16) / Math.max(series[0].values.length - 1, 1);
    const Y = v => y0 + height - (v - lo) * scale;
    el("svg:rect", {x: x0, y: y0, width: width, height: height, fill: "#fff", stroke: "#bbb"}, svg);
    caption(svg, x0, y0 - 4, t("chart", {label: label, lo: lo.toFixed(2), hi: hi.toFixed(2)}));
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
    const {svg, params: q, state, meta, t} = ctx;
    const n = state.o[0], W = Math.max(360, n * 14), Hc = 120, x0 = PAD, y0 = PAD + 16;
    const d2l = state.dm !== undefined;
    ctx.legend(t("running_legend") + (d2l ? "" : " " + t("running_none")));
    const mk = (name, values, colour, dashed) => ({name, values, colour, dashed});
    const top = chart(svg, x0, y0, t("mean"), [{name: "batch", values: meta.bm, dots: true}, mk("tm", state.tm, BLUE),
      ...(d2l ? [mk("dm", state.dm, "#ff7f0e", true)] : [])], W, Hc, t);
    const y1 = y0 + Hc + 30;
    const bottom = chart(svg, x0, y1, t("variance"), [{name: "batch", values: meta.bv, dots: true}, mk("tv", state.tv, BLUE),
      ...(d2l ? [mk("dv", state.dv, "#ff7f0e", true)] : [])], W, Hc, t);
    ctx.size([x0 + W + PAD, y1 + Hc + PAD]);
    const items = state.tm.map((v, s) => {
      const step = t("step", {t: s + 1, bm: meta.bm[s], bv: meta.bv[s], tm: v, tv: state.tv[s]});
      return d2l ? t("step_d2l", {step, dm: state.dm[s], dv: state.dv[s]}) : step;
    });
    const m = q.momentum === null ? "None" : q.momentum;
    return {
      summary: d2l ? t("running_summary_d2l", {m, n, tm: state.tm[n - 1], dm: state.dm[n - 1]}) :
        t("running_summary", {m, n, tm: state.tm[n - 1]}),
      items: items, picks: n,
      picked(s) {
        for (const [c, y, h] of [[top, y0, Hc], [bottom, y1, Hc]])
          el("svg:line", {x1: c.X(s), x2: c.X(s), y1: y, y2: y + h, stroke: RED, "stroke-width": 1.5, class: "fm-step"}, svg);
        return items[s];
      },
    };
  }

  function upsample(ctx) {
    const {svg, state, meta, t} = ctx;
    const [H, W] = meta.size;
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, t("input", {h: H, w: W}));
    const inputs = [];
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      inputs.push(cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in", "data-r": r, "data-c": c}, num(meta.x[r * W + c])));
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, items = [];
    ctx.legend(t("upsample_legend"));
    if (state.e === undefined) {
      const [oh, ow] = state.o;
      caption(svg, ox, 14, t("output", {h: oh, w: ow}));
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
        const n = i * ow + j, w = state.w[n], terms = [];
        for (let a = 0; a < w.length; a += 2)
          terms.push(`${w[a + 1]}·x[${Math.floor(w[a] / W)}, ${w[a] % W}]`);
        cell(svg, ox, y0, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j}, num(state.v[n]));
        items.push(t("pixel", {i, j, terms: terms.join(" + "), value: num(state.v[n])}));
      }
    }
    ctx.size([ox + (state.o ? state.o[1] : 0) * CELL + PAD, y0 + Math.max(H, state.o ? state.o[0] : 0) * CELL + PAD]);
    return {
      summary: state.e === undefined ? t("upsampled", {h: state.o[0], w: state.o[1]}) : t("rejected"),
      items: items, picks: items.length,
      picked(n) {
        const ow = state.o[1], i = Math.floor(n / ow), j = n % ow, w = state.w[n];
        cell(svg, ox, y0, i, j, {fill: RED, "fill-opacity": 0.35, class: "fm-out-picked"});
        for (let a = 0; a < w.length; a += 2) {
          const r = Math.floor(w[a] / W), c = w[a] % W;
          cell(svg, x0, y0, r, c, {fill: RED, "fill-opacity": 0.15 + 0.6 * w[a + 1], stroke: RED, class: "fm-source",
            "data-weight": w[a + 1]});
          el("svg:text", {x: x0 + c * CELL + CELL / 2, y: y0 + r * CELL + 8, fill: RED, "text-anchor": "middle",
            style: "font-size:8px", class: "fm-weight"}, svg, w[a + 1]);
        }
        return items[n];
      },
    };
  }

  function pad(ctx) {
    const {svg, params: q, state, meta, t} = ctx;
    const [H, W] = meta.size;
    const x0 = PAD, y0 = PAD + 16;
    caption(svg, x0, 14, t("input", {h: H, w: W}));
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++)
      cell(svg, x0, y0, r, c, {fill: "#fff", class: "fm-in", "data-r": r, "data-c": c}, r * W + c);
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const ox = x0 + W * CELL + GAP, items = [], filled = [];
    ctx.legend(t("pad_legend", {n: H * W}));
    if (state.e === undefined) {
      const [oh, ow] = state.o;
      caption(svg, ox, 14, t("padded", {h: oh, w: ow}));
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
        const inside = i >= q.top && i < q.top + H && j >= q.left && j < q.left + W;
        const v = Number(state.v[i * ow + j]);
        cell(svg, ox, y0, i, j, {fill: inside ? "#fff" : GREY, class: "fm-out", "data-i": i, "data-j": j}, v);
        filled.push(q.mode === "constant" && !inside);
        const source = filled[filled.length - 1] ? t("fill") : t("source", {r: Math.floor(v / W), c: v % W});
        items.push(t("padded_cell", {i, j, v, source}));
      }
      box(svg, ox, y0, q.top, q.left, q.top + H - 1, q.left + W - 1, {stroke: BLUE, "stroke-width": 2.5, class: "fm-interior"});
    }
    ctx.size([ox + (state.o ? state.o[1] : 0) * CELL + PAD, y0 + Math.max(H, state.o ? state.o[0] : 0) * CELL + PAD]);
    return {
      summary: state.e === undefined ? t("padded_size", {h: state.o[0], w: state.o[1]}) : t("rejected"),
      items: items, picks: items.length,
      picked(n) {
        const ow = state.o[1], i = Math.floor(n / ow), j = n % ow, v = Number(state.v[n]);
        cell(svg, ox, y0, i, j, {fill: RED, "fill-opacity": 0.35, class: "fm-out-picked"});
        if (!filled[n])
          cell(svg, x0, y0, Math.floor(v / W), v % W, {fill: RED, "fill-opacity": 0.35, stroke: RED, class: "fm-source"});
        return items[n];
      },
    };
  }

  // 03: the same 2×2 windows over C channels. Max pooling: one map per channel. Convolution: each channel's
  // part (its window times its kernel slice, summed) and the output, the sum of the parts: one map.
  function channels(ctx) {
    const {svg, params: q, state, meta, t, text} = ctx;
    const [H, W] = meta.size, [kh, kw] = meta.k, C = q.channels, conv = q.op === "conv2d";
    const [, oh, ow] = state.o;
    const band = Math.max(H, oh) * CELL + 26, x0 = PAD, y0 = PAD + 16, gap = GAP + 20;  // room for the captions
    const xk = x0 + W * CELL + gap, xo = conv ? xk + kw * CELL + gap : xk, xs = xo + ow * CELL + gap;
    const maps = conv ? state.p : state.v;  // C maps of oh×ow: the parts, or the pooled channels
    ctx.legend(t("channels_legend"));
    for (let c = 0; c < C; c++) {
      const y = y0 + c * band;
      caption(svg, x0, y - 4, t("channel_input", {c, h: H, w: W}));
      for (let r = 0; r < H; r++) for (let col = 0; col < W; col++)
        cell(svg, x0, y, r, col, {fill: "#fff", class: "fm-in", "data-ch": c, "data-r": r, "data-c": col},
          num(meta.x[(c * H + r) * W + col]));
      if (conv) {
        caption(svg, xk, y - 4, t("kernel_slice", {c}));
        for (let r = 0; r < kh; r++) for (let col = 0; col < kw; col++)
          cell(svg, xk, y, r, col, {fill: "#eef5fb", class: "fm-kernel", "data-ch": c, "data-r": r, "data-c": col},
            num(meta.w[(c * kh + r) * kw + col]));
      }
      caption(svg, xo, y - 4, conv ? t("part", {c, h: oh, w: ow}) : t("pooled", {c, h: oh, w: ow}));
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++)
        cell(svg, xo, y, i, j, {fill: "#fff", class: conv ? "fm-part" : "fm-out", "data-ch": c, "data-i": i, "data-j": j},
          num(maps[(c * oh + i) * ow + j]));
    }
    const ys = y0 + Math.max(0, ((C * band - 26) - oh * CELL) / 2);  // the sum, level with the middle channel
    if (conv) {
      caption(svg, xs, ys - 4, t("output", {h: oh, w: ow}));
      el("svg:text", {x: xs - gap / 2 - 6, y: ys + oh * CELL / 2 + 5, style: "font-size:16px"}, svg, "Σ");
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++)
        cell(svg, xs, ys, i, j, {fill: "#fff", class: "fm-out", "data-i": i, "data-j": j}, num(state.v[i * ow + j]));
    }
    ctx.grid = {x0: x0, y0: y0, p: [0, 0]};
    const items = [];
    state.r.forEach((r0, i) => state.c.forEach((c0, j) => {
      const at = c => maps[(c * oh + i) * ow + j], where = {i, j, rows: range(r0, r0 + kh - 1, 1, text),
        columns: range(c0, c0 + kw - 1, 1, text)};
      const all = [...Array(C).keys()].map(at);
      items.push(conv ? t("conv_items", Object.assign(where, {parts: all.map(v => v < 0 ? `(${v})` : v).join(" + "),
        value: num(state.v[i * ow + j])})) : t("pool_items", Object.assign(where, {values: all.join(", ")})));
    }));
    ctx.size([(conv ? xs : xo) + ow * CELL + 70, y0 + C * band]);  // 70: the last caption is wider than its map
    return {
      summary: t(conv ? "conv_channels" : "pool_channels", {c: C, h: oh, w: ow}),
      items: items, picks: items.length,
      picked(n) {
        const i = Math.floor(n / ow), j = n % ow, r0 = state.r[i], c0 = state.c[j];
        for (let c = 0; c < C; c++) {
          const y = y0 + c * band;
          for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++)
            cell(svg, x0, y, r0 + a, c0 + b, {fill: RED, "fill-opacity": 0.3, stroke: RED, class: "fm-tap",
              "data-ch": c, "data-r": r0 + a, "data-c": c0 + b});
          box(svg, x0, y, r0, c0, r0 + kh - 1, c0 + kw - 1, {stroke: RED, "stroke-width": 3, class: "fm-picked"});
          cell(svg, xo, y, i, j, {fill: RED, "fill-opacity": 0.3, class: conv ? "fm-part-picked" : "fm-out-picked",
            "data-ch": c});
        }
        if (conv) cell(svg, xs, ys, i, j, {fill: RED, "fill-opacity": 0.3, class: "fm-out-picked"});
        return items[n];
      },
    };
  }

  const KINDS = {geometry, pool, adaptive, upsample, pad, running, channels};
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
    running: (q, meta, t) => `nn.BatchNorm2d(1, momentum=${q.momentum === null ? "None" : q.momentum})   # ${t("running_call")}`,
    pad: q => `F.pad(x, (${q.left}, ${q.right}, ${q.top}, ${q.bottom}), mode=${py(q.mode)})`,
    channels: q => q.op === "conv2d" ? `F.conv2d(x[:, :${q.channels}], w[:, :${q.channels}])   # w: 1×${q.channels}×2×2` :
      `F.max_pool2d(x[:, :${q.channels}], kernel_size=2, stride=1)`,
  };

  function mount(root) {
    if (!root || root.dataset.mounted) return;
    root.dataset.mounted = "1";
    root.setAttribute("data-lm-suppress-shortcuts", "true");  // Lumino's keymap leaves keys inside alone
    const data = JSON.parse(root.querySelector("script.fm-data").textContent);
    const t = (key, fields) => fill(data.text[key], fields || {});
    if (!document.getElementById("fm-explorer-style")) el("style", {id: "fm-explorer-style"}, document.head, STYLE);
    el("h4", {}, root, data.title);
    const form = el("div", {class: "fm-controls", role: "group", "aria-label": t("sliders")}, root);
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
    el("summary", {}, details, t("list"));
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
      call.textContent = CALLS[data.kind](params, data.meta, t);
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      formula.textContent = "";
      formula.hidden = true;
      legend.textContent = "";
      const ctx = {
        svg, params, state, meta: data.meta, t, text: data.text,
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
        pick.out.textContent = t("of", {n: n + 1, total: drawn.picks});
        pick.input.setAttribute("aria-valuetext", picked);
      } else {
        pick.out.textContent = t("none");
        pick.input.setAttribute("aria-valuetext", t("none"));
      }
      svg.setAttribute("aria-label", drawn.summary);
      live.textContent = [drawn.summary, message, picked].filter(Boolean).join(" ");
      list.replaceChildren(...drawn.items.map(t => el("li", {}, null, t)));
    }
    update();
  }

  window.FMExplorer = {mount: mount, poolSize: poolSize};
})();
