extension AttentionViewer {
    static let styleSheet = #"""
    :root { --ink: #1d2330; --muted: #5b6475; --line: #d6dae3; --accent: #2456a6; --generated: #b0127d; --pair: #0b7a6f; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
    header { padding: 14px 20px 6px; }
    h1 { font-size: 20px; margin: 0; word-break: break-word; }
    .sub { color: var(--muted); }
    #controls { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; padding: 8px 20px; background: #fff;
      border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
    #controls label { color: var(--muted); }
    .tabs button { font: inherit; padding: 5px 12px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
    .tabs button:first-child { border-radius: 6px 0 0 6px; } .tabs button:last-child { border-radius: 0 6px 6px 0; }
    .tabs button.on { background: var(--accent); color: #fff; border-color: var(--accent); }
    #heads { display: inline-flex; flex-wrap: wrap; gap: 4px; vertical-align: middle; }
    #heads button { font: 12px/1 system-ui, sans-serif; min-width: 30px; padding: 5px 6px; border-radius: 5px; cursor: pointer;
      border: 2px solid var(--c); background: #fff; color: var(--ink); }
    #heads button.on { background: var(--c); color: #fff; }
    .small { font: 12px system-ui, sans-serif; padding: 4px 8px; border: 1px solid var(--line); background: #fff; border-radius: 5px; cursor: pointer; }
    select { font: inherit; padding: 3px; }
    #step-box { display: none; align-items: center; gap: 8px; }
    #step { width: 220px; }
    #step-label { min-width: 16em; }
    main { display: flex; gap: 18px; padding: 14px 20px; align-items: flex-start; }
    #views { flex: 1 1 auto; min-width: 0; overflow-x: auto; }
    .view { display: none; } .view.on { display: block; }
    .help { color: var(--muted); margin: 0 0 8px; max-width: 70em; }
    canvas { display: block; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
    aside { flex: 0 0 270px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
      position: sticky; top: 64px; max-height: calc(100vh - 80px); overflow: auto; }
    aside h2 { font-size: 14px; margin: 0 0 6px; }
    aside h3 { font-size: 12px; margin: 10px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
    .bar-row { display: grid; grid-template-columns: 1fr 90px 44px; gap: 6px; align-items: center; font-size: 12px; }
    .bar-row span:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, monospace; }
    .bar { height: 9px; background: var(--accent); border-radius: 2px; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    #tooltip { position: fixed; pointer-events: none; background: rgba(20,24,33,.92); color: #fff; padding: 4px 8px;
      border-radius: 4px; font-size: 12px; display: none; z-index: 5; white-space: pre; }
    """#

    static func bodyMarkup(title: String, subtitle: String) -> String {
        """
        <header><h1>\(title)</h1><div class="sub" id="subtitle">\(subtitle)</div></header>
        <div id="controls">
          <span class="tabs"><button data-view="head" class="on">Head view</button><button data-view="model">Model view</button><button data-view="matrix">Matrix view</button></span>
          <span><label for="layer">Layer</label> <select id="layer"></select></span>
          <span><label>Heads</label> <span id="heads"></span> <button class="small" id="all-heads">all</button> <button class="small" id="no-heads">none</button></span>
          <span><label for="scale">Heatmap colour</label> <select id="scale"><option value="sqrt">√ weight (shows small weights)</option><option value="linear">weight (linear)</option></select></span>
          <span id="filter-box" style="display:none"><label for="filter">Sentences</label> <select id="filter"><option value="all">all</option><option value="AB">A → B</option><option value="BA">B → A</option><option value="AA">A → A</option><option value="BB">B → B</option></select></span>
          <span id="step-box"><label for="step">Generation step</label> <input type="range" id="step" min="0" value="0"> <button class="small" id="play">▶ play</button> <span id="step-label"></span></span>
        </div>
        <main>
          <div id="views">
            <section class="view on" id="head-view"><p class="help">Each line joins a query token (left) to a key token (right); its opacity is the attention weight, its colour the head. Hover a token to isolate its lines; click to pin it (click again to release).</p><canvas id="head-canvas"></canvas></section>
            <section class="view" id="model-view"><p class="help">Every layer (rows) × head (columns) of the model; row i of a small map is query token i, column j key token j. Click a map to open it in the matrix view.</p><canvas id="model-canvas"></canvas></section>
            <section class="view" id="matrix-view"><p class="help">Rows are queries, columns keys, colour the weight (mean over the selected heads). Right: the key each query attends to most. Bottom: the attention each key receives, summed over queries. Hover a cell for its value.</p><canvas id="matrix-canvas"></canvas></section>
          </div>
          <aside id="info"><h2>Token details</h2><p class="help">Hover a token or a cell.</p></aside>
        </main>
        <div id="tooltip"></div>
        """
    }
}
