extension AttentionViewer {
    /// The page's JavaScript: decodes the payload, keeps the view state, draws the three views on canvases.
    /// Weights live in one Float32Array `W[((l·H + h)·S + i)·S + j]`.
    static let script = #"""
    (function () {
    'use strict';
    const D = JSON.parse(document.getElementById('attention-data').textContent);
    const L = D.layers, H = D.heads, S = D.tokens.length, P = D.prompt, N = S - P;
    const TOK = D.tokens, SEG = D.segments;
    const FONT = '12px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace';
    const MASKED = 0xffe4e0dc;  // ABGR: light grey for keys a causal query cannot see
    const W = decode();

    function decode() {
      const bin = atob(D.weights), bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      // 16 bits: w = q / 65535; 8 bits: w = (q / 255)², through a table.
      const q = D.bits === 16 ? new Uint16Array(bytes.buffer) : bytes, out = new Float32Array(L * H * S * S);
      const table = new Float32Array(D.bits === 16 ? 65536 : 256);
      for (let v = 0; v < table.length; v++) table[v] = D.bits === 16 ? v / 65535 : (v / 255) * (v / 255);
      let n = 0;
      for (let m = 0; m < L * H; m++) for (let i = 0; i < S; i++) {
        const row = (m * S + i) * S, end = D.packing === 'lower' ? i + 1 : S;
        for (let j = 0; j < end; j++) out[row + j] = table[q[n++]];
      }
      return out;
    }

    // viridis at nine points, expanded to a 256-entry lookup table (ABGR for little-endian ImageData).
    const ANCHORS = [[68,1,84],[71,44,122],[59,81,139],[44,113,142],[33,144,141],[39,173,129],[92,200,99],[170,220,50],[253,231,37]];
    const LUT = new Uint32Array(256), CSS = [];
    for (let i = 0; i < 256; i++) {
      const t = i / 255 * 8, a = Math.min(7, Math.floor(t)), f = t - a, c = [0, 1, 2].map(k => Math.round(ANCHORS[a][k] + (ANCHORS[a + 1][k] - ANCHORS[a][k]) * f));
      LUT[i] = (255 << 24 | c[2] << 16 | c[1] << 8 | c[0]) >>> 0;
      CSS.push('rgb(' + c.join(',') + ')');
    }
    const PALETTE = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf','#393b79','#ad494a','#637939','#843c39','#7b4173','#3182bd'];
    const headColor = h => h < PALETTE.length ? PALETTE[h] : 'hsl(' + (h * 47 % 360) + ',65%,42%)';

    const state = { view: 'head', layer: D.layer, heads: new Set(D.head === null ? [...Array(H).keys()] : [D.head]),
      scale: 'sqrt', filter: 'all', step: N, hover: null, pin: null, cell: null, modelHover: null };
    const $ = id => document.getElementById(id);
    const visible = () => P + state.step;
    const shade = w => state.scale === 'sqrt' ? Math.sqrt(Math.max(0, w)) : Math.max(0, Math.min(1, w));
    const colorIndex = w => Math.min(255, Math.round(shade(w) * 255));
    const weight = (l, h, i, j) => W[((l * H + h) * S + i) * S + j];
    const selectedHeads = () => [...state.heads].sort((a, b) => a - b);
    const label = i => { const t = TOK[i]; return t.length > 18 ? t.slice(0, 17) + '…' : t; };
    const tokenColor = i => i >= P ? '#b0127d' : (SEG && SEG[i] === 1 ? '#0b7a6f' : '#1d2330');
    const clamp = (x, a, b) => Math.max(a, Math.min(b, x));

    function meanRow(i, n) {  // attention of query i over keys 0..<n, mean over selected heads
      const hs = selectedHeads(), out = new Float32Array(n);
      for (const h of hs) for (let j = 0; j < n; j++) out[j] += weight(state.layer, h, i, j) / hs.length;
      return out;
    }
    function meanColumn(j, n) {
      const hs = selectedHeads(), out = new Float32Array(n);
      for (const h of hs) for (let i = 0; i < n; i++) out[i] += weight(state.layer, h, i, j) / hs.length;
      return out;
    }

    function setup(canvas, w, h) {
      const r = window.devicePixelRatio || 1;
      canvas.width = Math.round(w * r); canvas.height = Math.round(h * r);
      canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
      const ctx = canvas.getContext('2d');
      ctx.setTransform(r, 0, 0, r, 0, 0);
      ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, h);
      ctx.font = FONT; ctx.textBaseline = 'middle';
      return ctx;
    }
    function labelWidth(ctx, n) {
      let w = 30;
      for (let i = 0; i < n; i++) w = Math.max(w, ctx.measureText(label(i)).width);
      return Math.ceil(w) + 14;
    }

    // ---- head view ----
    const ROW = 20, HEAD_TOP = 40, GAP = 400;
    function pairAllowed(i, j) {
      if (!SEG || state.filter === 'all') return true;
      const want = state.filter;
      return SEG[i] === (want[0] === 'A' ? 0 : 1) && SEG[j] === (want[1] === 'A' ? 0 : 1);
    }
    function focus() {
      if (state.hover) return state.hover;
      if (state.pin) return state.pin;
      if (N > 0 && state.step > 0) return { side: 'q', index: visible() - 1 };
      return null;
    }
    function drawHead() {
      const canvas = $('head-canvas'), n = visible();
      let ctx = canvas.getContext('2d'); ctx.font = FONT;
      const lw = Math.max(labelWidth(ctx, n), Math.ceil(ctx.measureText('key (is attended to)').width) + 12);
      const width = lw * 2 + GAP, height = HEAD_TOP + n * ROW + 12;
      ctx = setup(canvas, width, height);
      const x0 = lw, x1 = lw + GAP, y = i => HEAD_TOP + i * ROW + ROW / 2, f = focus();
      ctx.fillStyle = '#5b6475'; ctx.textAlign = 'right'; ctx.fillText('query (attends)', x0 - 6, 16);
      ctx.textAlign = 'left'; ctx.fillText('key (is attended to)', x1 + 6, 16);
      const hs = selectedHeads();
      ctx.lineWidth = hs.length > 3 ? 1.5 : 2.2;
      for (const h of hs) {
        const base = (state.layer * H + h) * S * S, paths = [];
        for (let b = 0; b < 16; b++) paths.push(null);
        for (let i = 0; i < n; i++) {
          if (f && f.side === 'q' && f.index !== i) continue;
          const row = base + i * S;
          for (let j = 0; j < n; j++) {
            if (f && f.side === 'k' && f.index !== j) continue;
            const w = W[row + j];
            if (w < 0.01 || !pairAllowed(i, j)) continue;
            const b = Math.min(15, Math.floor(w * 16));
            const p = paths[b] || (paths[b] = new Path2D());
            p.moveTo(x0 + 4, y(i)); p.lineTo(x1 - 4, y(j));
          }
        }
        ctx.strokeStyle = headColor(h);
        for (let b = 0; b < 16; b++) if (paths[b]) { ctx.globalAlpha = Math.min(1, (b + 1) / 16 * (hs.length > 1 ? 0.85 : 1)); ctx.stroke(paths[b]); }
      }
      ctx.globalAlpha = 1;
      // When a token is in focus, shade the other side's labels by its mean weight.
      let shadeSide = null, shadeValues = null;
      if (f && f.index < n) { shadeSide = f.side === 'q' ? 'k' : 'q'; shadeValues = f.side === 'q' ? meanRow(f.index, n) : meanColumn(f.index, n); }
      for (let i = 0; i < n; i++) {
        for (const side of ['q', 'k']) {
          const isFocus = f && f.side === side && f.index === i, xt = side === 'q' ? x0 - 6 : x1 + 6;
          const tw = ctx.measureText(label(i)).width, bx = side === 'q' ? xt - tw - 4 : xt - 4;
          if (shadeSide === side && shadeValues[i] > 0.004) {
            ctx.globalAlpha = Math.max(0.08, shade(shadeValues[i])); ctx.fillStyle = hs.length === 1 ? headColor(hs[0]) : '#2456a6';
            ctx.fillRect(bx, y(i) - ROW / 2 + 2, tw + 8, ROW - 4); ctx.globalAlpha = 1;
          }
          if (isFocus) { ctx.strokeStyle = '#1d2330'; ctx.lineWidth = 1.5; ctx.strokeRect(bx, y(i) - ROW / 2 + 2, tw + 8, ROW - 4); }
          ctx.fillStyle = tokenColor(i); ctx.textAlign = side === 'q' ? 'right' : 'left';
          ctx.fillText(label(i), xt, y(i));
        }
      }
      canvas.dataset.focus = f ? f.side + f.index : '';
      showInfo(f ? (f.side === 'q' ? { q: f.index } : { k: f.index }) : null);
    }
    function headHit(ev) {
      const canvas = $('head-canvas'), r = canvas.getBoundingClientRect(), n = visible();
      const x = ev.clientX - r.left, yy = ev.clientY - r.top;
      const lw = (parseFloat(canvas.style.width) - GAP) / 2, i = Math.floor((yy - HEAD_TOP) / ROW);
      if (i < 0 || i >= n) return null;
      if (x < lw + 10) return { side: 'q', index: i };
      if (x > lw + GAP - 10) return { side: 'k', index: i };
      return null;
    }
    const same = (a, b) => (!a && !b) || (a && b && a.side === b.side && a.index === b.index);

    // ---- model view ----
    let modelCache = null, modelLayout = null;
    function renderModelGrid() {
      const n = visible(), avail = Math.max(640, $('views').clientWidth - 24);
      const cell = clamp(Math.floor((avail - 56) / H) - 8, 36, 132), pad = 8, left = 46, top = 26;
      const width = left + H * (cell + pad), height = top + L * (cell + pad);
      const grid = document.createElement('canvas');
      const ctx = setup(grid, width, height);
      const tile = document.createElement('canvas'); tile.width = n; tile.height = n;
      const tctx = tile.getContext('2d'), img = tctx.createImageData(n, n), px = new Uint32Array(img.data.buffer);
      ctx.imageSmoothingEnabled = n > cell;
      ctx.fillStyle = '#5b6475'; ctx.textAlign = 'center';
      for (let h = 0; h < H; h++) { ctx.fillStyle = headColor(h); ctx.fillText('H' + h, left + h * (cell + pad) + cell / 2, top / 2); }
      ctx.textAlign = 'right';
      for (let l = 0; l < L; l++) {
        ctx.fillStyle = '#5b6475'; ctx.fillText('L' + l, left - 8, top + l * (cell + pad) + cell / 2);
        for (let h = 0; h < H; h++) {
          const base = (l * H + h) * S * S;
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++)
            px[i * n + j] = D.causal && j > i ? MASKED : LUT[colorIndex(W[base + i * S + j])];
          tctx.putImageData(img, 0, 0);
          ctx.drawImage(tile, left + h * (cell + pad), top + l * (cell + pad), cell, cell);
        }
      }
      modelCache = grid; modelLayout = { cell, pad, left, top, width, height };
    }
    function drawModel() {
      if (!modelCache) renderModelGrid();
      const canvas = $('model-canvas'), m = modelLayout, ctx = setup(canvas, m.width, m.height);
      ctx.drawImage(modelCache, 0, 0, m.width, m.height);
      const box = (l, h, color, lw) => { ctx.strokeStyle = color; ctx.lineWidth = lw; ctx.strokeRect(m.left + h * (m.cell + m.pad) - 2, m.top + l * (m.cell + m.pad) - 2, m.cell + 4, m.cell + 4); };
      for (const h of state.heads) box(state.layer, h, headColor(h), 2);
      if (state.modelHover) box(state.modelHover.l, state.modelHover.h, '#1d2330', 3);
      canvas.dataset.rows = L; canvas.dataset.cols = H;
    }
    function modelHit(ev) {
      const r = $('model-canvas').getBoundingClientRect(), m = modelLayout;
      if (!m) return null;
      const x = ev.clientX - r.left - m.left, y = ev.clientY - r.top - m.top;
      const h = Math.floor(x / (m.cell + m.pad)), l = Math.floor(y / (m.cell + m.pad));
      if (x < 0 || y < 0 || h >= H || l >= L || x - h * (m.cell + m.pad) > m.cell || y - l * (m.cell + m.pad) > m.cell) return null;
      return { l, h };
    }

    // ---- matrix view ----
    let matrixLayout = null;
    function drawMatrix() {
      const canvas = $('matrix-canvas'), n = visible(), hs = selectedHeads();
      let ctx = canvas.getContext('2d'); ctx.font = FONT;
      const lw = labelWidth(ctx, n), right = 200, bottom = 90;
      const room = Math.max(300, Math.min(760, $('views').clientWidth - lw - right - 120));  // fit the window when we can
      const cell = clamp(Math.floor(room / n), 3, 30), every = Math.ceil(14 / cell);
      const mx = lw, my = lw, size = n * cell;
      const width = mx + size + right + 90, height = my + size + bottom;
      ctx = setup(canvas, width, height);
      const M = new Float32Array(n * n);
      for (const h of hs) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] += weight(state.layer, h, i, j) / hs.length;
      const tile = document.createElement('canvas'); tile.width = n; tile.height = n;
      const tctx = tile.getContext('2d'), img = tctx.createImageData(n, n), px = new Uint32Array(img.data.buffer);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) px[i * n + j] = D.causal && j > i ? MASKED : (hs.length ? LUT[colorIndex(M[i * n + j])] : MASKED);
      tctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tile, mx, my, size, size);
      if (N > 0 && state.step > 0) { ctx.strokeStyle = '#b0127d'; ctx.lineWidth = 1; ctx.strokeRect(mx - 0.5, my + P * cell - 0.5, size + 1, (n - P) * cell + 1); }
      // Row and column labels (every `every`-th when cells are small).
      for (let i = 0; i < n; i += every) {
        ctx.fillStyle = tokenColor(i); ctx.textAlign = 'right'; ctx.fillText(label(i), mx - 5, my + i * cell + cell / 2);
        ctx.save(); ctx.translate(mx + i * cell + cell / 2, my - 5); ctx.rotate(-Math.PI / 2); ctx.textAlign = 'left';
        ctx.fillText(label(i), 0, 0); ctx.restore();
      }
      // Right: the key each query attends to most, and how much.
      ctx.textAlign = 'left'; ctx.fillStyle = '#5b6475'; ctx.fillText('attends to most', mx + size + 10, my - 10);
      for (let i = 0; i < n; i++) {
        let best = 0; for (let j = 1; j < n; j++) if (M[i * n + j] > M[i * n + best]) best = j;
        const v = M[i * n + best], yy = my + i * cell;
        ctx.fillStyle = '#2456a6'; ctx.fillRect(mx + size + 10, yy + 1, Math.max(1, v * 60), Math.max(1, cell - 2));
        if (i % every === 0) { ctx.fillStyle = '#1d2330'; ctx.fillText(label(best) + ' ' + v.toFixed(2), mx + size + 76, yy + cell / 2); }
      }
      // Bottom: attention received by each key, summed over queries.
      const received = new Float32Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) received[j] += M[i * n + j];
      const top = Math.max(1e-9, ...received);
      for (let j = 0; j < n; j++) { const hgt = received[j] / top * 56; ctx.fillStyle = '#2456a6'; ctx.fillRect(mx + j * cell + (cell > 3 ? 0.5 : 0), my + size + 8 + 56 - hgt, Math.max(1, cell - 1), hgt); }
      ctx.fillStyle = '#5b6475'; ctx.textAlign = 'left';
      ctx.fillText('attended by (Σ over queries, max ' + top.toFixed(2) + ')', mx, my + size + 78);
      // Colour scale.
      const bx = mx + size + right + 20, bh = Math.min(240, Math.max(120, size)), by = my;
      for (let k = 0; k < bh; k++) { ctx.fillStyle = CSS[Math.round((1 - k / (bh - 1)) * 255)]; ctx.fillRect(bx, by + k, 14, 1); }
      ctx.strokeStyle = '#1d2330'; ctx.lineWidth = 1; ctx.strokeRect(bx - 0.5, by - 0.5, 15, bh + 1);
      ctx.fillStyle = '#1d2330'; ctx.textAlign = 'left';
      for (const v of [0, 0.05, 0.25, 0.5, 1]) { const t = shade(v); ctx.fillRect(bx + 15, by + (1 - t) * bh, 4, 1); ctx.fillText(String(v), bx + 21, by + (1 - t) * bh); }
      if (D.causal) { ctx.fillStyle = '#dce0e4'; ctx.fillRect(bx, by + bh + 14, 14, 10); ctx.fillStyle = '#1d2330'; ctx.fillText('hidden', bx + 20, by + bh + 19); }
      matrixLayout = { n, cell, mx, my, size, M };
      if (state.cell) { const c = state.cell; ctx.strokeStyle = '#ff3b30'; ctx.lineWidth = 1.5;
        ctx.strokeRect(mx, my + c.i * cell, size, cell); ctx.strokeRect(mx + c.j * cell, my, cell, size); }
    }
    function matrixHit(ev) {
      const m = matrixLayout; if (!m) return null;
      const r = $('matrix-canvas').getBoundingClientRect();
      const i = Math.floor((ev.clientY - r.top - m.my) / m.cell), j = Math.floor((ev.clientX - r.left - m.mx) / m.cell);
      return i >= 0 && j >= 0 && i < m.n && j < m.n ? { i, j } : null;
    }

    // ---- side panel ----
    function listHTML(values, title) {
      const order = [...values.keys()].filter(k => values[k] >= 0.0005).sort((a, b) => values[b] - values[a]).slice(0, 8);
      const top = Math.max(1e-9, values[order[0]] || 0);
      const box = document.createElement('div');
      const h = document.createElement('h3'); h.textContent = title; box.appendChild(h);
      for (const k of order) {
        const row = document.createElement('div'); row.className = 'bar-row';
        const name = document.createElement('span'); name.textContent = k + ' ' + TOK[k];
        const bar = document.createElement('span'); bar.className = 'bar'; bar.style.width = Math.round(values[k] / top * 90) + 'px';
        const num = document.createElement('span'); num.className = 'num'; num.textContent = values[k].toFixed(3);
        row.append(name, bar, num); box.appendChild(row);
      }
      return box;
    }
    function showInfo(sel) {
      const info = $('info'), n = visible();
      info.textContent = '';
      const h = document.createElement('h2');
      info.appendChild(h);
      if (!sel || !state.heads.size) { h.textContent = 'Token details'; const p = document.createElement('p'); p.className = 'help'; p.textContent = 'Hover a token or a cell. Layer ' + state.layer + ', ' + state.heads.size + ' of ' + H + ' heads.'; info.appendChild(p); return; }
      const qi = sel.q !== undefined ? sel.q : sel.k, kj = sel.k !== undefined ? sel.k : sel.q;
      h.textContent = (sel.q !== undefined && sel.k !== undefined) ? '“' + TOK[qi] + '” → “' + TOK[kj] + '”' : '“' + TOK[qi] + '” (' + qi + ')';
      const sub = document.createElement('p'); sub.className = 'help';
      sub.textContent = 'layer ' + state.layer + ', mean of ' + state.heads.size + ' head' + (state.heads.size > 1 ? 's' : '') + (qi >= P ? ' · generated token' : '');
      info.appendChild(sub);
      if (sel.q !== undefined) info.appendChild(listHTML(meanRow(sel.q, n), 'attends to (row ' + sel.q + ')'));
      const col = meanColumn(sel.k !== undefined ? sel.k : sel.q, n);
      let total = 0; for (const v of col) total += v;
      info.appendChild(listHTML(col, 'attended by (column ' + kj + ', Σ ' + total.toFixed(2) + ')'));
    }
    function tooltip(ev, text) {
      const t = $('tooltip');
      if (!text) { t.style.display = 'none'; return; }
      t.textContent = text; t.style.display = 'block';
      t.style.left = (ev.clientX + 14) + 'px'; t.style.top = (ev.clientY + 12) + 'px';
    }

    // ---- controls ----
    function render() {
      if (state.view === 'head') drawHead();
      else if (state.view === 'model') drawModel();
      else { drawMatrix(); showInfo(state.cell ? { q: state.cell.i, k: state.cell.j } : null); }
    }
    function dataChanged() { modelCache = null; render(); }
    function syncControls() {
      $('layer').value = String(state.layer);
      for (const b of $('heads').children) b.classList.toggle('on', state.heads.has(+b.dataset.head));
      for (const b of document.querySelectorAll('.tabs button')) b.classList.toggle('on', b.dataset.view === state.view);
      for (const v of ['head', 'model', 'matrix']) $(v + '-view').classList.toggle('on', v === state.view);
      document.body.dataset.view = state.view;
    }
    for (let l = 0; l < L; l++) { const o = document.createElement('option'); o.value = String(l); o.textContent = String(l); $('layer').appendChild(o); }
    for (let h = 0; h < H; h++) {
      const b = document.createElement('button'); b.textContent = String(h); b.dataset.head = String(h); b.title = 'head ' + h;
      b.style.setProperty('--c', headColor(h));
      b.addEventListener('click', () => { state.heads.has(h) ? state.heads.delete(h) : state.heads.add(h); syncControls(); render(); });
      $('heads').appendChild(b);
    }
    $('all-heads').onclick = () => { state.heads = new Set([...Array(H).keys()]); syncControls(); render(); };
    $('no-heads').onclick = () => { state.heads = new Set(); syncControls(); render(); };
    $('layer').onchange = e => { state.layer = +e.target.value; syncControls(); render(); };
    $('scale').onchange = e => { state.scale = e.target.value; dataChanged(); };
    $('filter').onchange = e => { state.filter = e.target.value; render(); };
    for (const b of document.querySelectorAll('.tabs button')) b.onclick = () => { state.view = b.dataset.view; syncControls(); render(); };
    if (SEG && SEG.includes(1)) $('filter-box').style.display = '';
    function revealNewest() {  // keep the newest query in sight while stepping through generation
      if (state.view !== 'head' || state.step === 0) return;
      const y = $('head-canvas').getBoundingClientRect().top + HEAD_TOP + (visible() - 1) * ROW;
      if (y < 120 || y > innerHeight - 30) window.scrollBy(0, y - innerHeight / 2);
    }
    function stepText() {
      const s = state.step, n = visible();
      $('step-label').textContent = s === 0 ? 'prompt only (' + P + ' tokens)'
        : s + '/' + N + ': “' + TOK[n - 1] + '” attends' + (n < S ? ', then “' + TOK[n] + '” comes next' : '');
    }
    if (N > 0) {
      $('step-box').style.display = 'inline-flex'; $('step').max = String(N); $('step').value = String(N);
      $('step').oninput = e => { state.step = +e.target.value; state.pin = null; stepText(); dataChanged(); revealNewest(); };
      let timer = null;
      $('play').onclick = () => {
        if (timer) { clearInterval(timer); timer = null; $('play').textContent = '▶ play'; return; }
        state.step = 0; $('play').textContent = '■ stop';
        timer = setInterval(() => {
          state.step = Math.min(N, state.step + 1); $('step').value = String(state.step); stepText(); dataChanged(); revealNewest();
          if (state.step >= N) { clearInterval(timer); timer = null; $('play').textContent = '▶ play'; }
        }, 600);
      };
      stepText();
    }
    const head = $('head-canvas');
    head.addEventListener('mousemove', ev => { const hit = headHit(ev); if (!same(hit, state.hover)) { state.hover = hit; drawHead(); } });
    head.addEventListener('mouseleave', () => { if (state.hover) { state.hover = null; drawHead(); } });
    head.addEventListener('click', ev => { const hit = headHit(ev); state.pin = hit && !same(hit, state.pin) ? hit : null; state.hover = null; drawHead(); });
    const model = $('model-canvas');
    model.addEventListener('mousemove', ev => {
      const hit = modelHit(ev);
      tooltip(ev, hit ? 'layer ' + hit.l + ', head ' + hit.h + ' — click to open' : null);
      if (JSON.stringify(hit) !== JSON.stringify(state.modelHover)) { state.modelHover = hit; drawModel(); }
    });
    model.addEventListener('mouseleave', ev => { tooltip(ev, null); state.modelHover = null; drawModel(); });
    model.addEventListener('click', ev => {
      const hit = modelHit(ev); if (!hit) return;
      tooltip(ev, null);
      state.layer = hit.l; state.heads = new Set([hit.h]); state.view = 'matrix'; state.modelHover = null;
      syncControls(); render();
    });
    const matrix = $('matrix-canvas');
    matrix.addEventListener('mousemove', ev => {
      const hit = matrixHit(ev), m = matrixLayout;
      tooltip(ev, hit ? '“' + TOK[hit.i] + '” (' + hit.i + ') → “' + TOK[hit.j] + '” (' + hit.j + ')\n' +
        (D.causal && hit.j > hit.i ? 'hidden (causal)' : 'weight ' + m.M[hit.i * m.n + hit.j].toFixed(4)) : null);
      if (JSON.stringify(hit) !== JSON.stringify(state.cell) && hit) { state.cell = hit; drawMatrix(); showInfo({ q: hit.i, k: hit.j }); }
    });
    matrix.addEventListener('mouseleave', ev => tooltip(ev, null));
    let resizeTimer = null;
    window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(dataChanged, 150); });
    window.attentionViewer = { layers: L, heads: H, tokens: S, prompt: P, state, render, weight };
    syncControls(); render();
    document.body.dataset.ready = 'true';
    })();
    """#
}
