// The transcript reader, DOM part 4b: code suggestions on the passage. Each open suggestion is drawn as
// a dashed outline on its sentence, with the words that made it (its evidence) marked. A click on the
// sentence opens a small panel, "Suggested: <code> — because: <evidence>  [Accept] [Reject]"; while it
// is open A accepts and R rejects (↑/↓ choose when several codes are suggested there, Esc closes). The
// toolbar's ‹ › step from one suggested sentence to the next. A decision is sent to Python as
// {"type": "accept_suggestion" | "reject_suggestion", "id"} (reader_actions checks it on arrival).

// Suggestions grouped by sentence, in text order: [{start, end, items}] with each sentence's items in
// codebook order. Every suggestion is for one whole sentence, so suggestions of one sentence share
// their span exactly.
function suggestionGroups(suggestions, codeOrder) {
  const bySpan = new Map();
  for (const s of suggestions) {
    const k = `${s.start}:${s.end}`;
    if (!bySpan.has(k)) bySpan.set(k, { start: s.start, end: s.end, items: [] });
    bySpan.get(k).items.push(s);
  }
  const groups = [...bySpan.values()].sort((a, b) => a.start - b.start);
  for (const g of groups) {
    g.items.sort((a, b) => (codeOrder.get(a.code_id) ?? 0) - (codeOrder.get(b.code_id) ?? 0));
  }
  return groups;
}

// Spans [start, end) merged where they overlap or touch, in text order.
function mergedSpans(spans) {
  const sorted = spans.map(([a, b]) => [a, b]).filter(([a, b]) => a < b).sort((x, y) => x[0] - y[0]);
  const out = [];
  for (const [a, b] of sorted) {
    if (out.length && a <= out[out.length - 1][1]) out[out.length - 1][1] = Math.max(out[out.length - 1][1], b);
    else out.push([a, b]);
  }
  return out;
}

// What the reader needs before it draws the segments: where to cut, and how to mark a segment.
function prepareSuggestions(data, codes, codeOrder) {
  const list = (data.suggestions || []).filter((s) => codes.has(s.code_id));
  const groups = suggestionGroups(list, codeOrder);
  const evidence = mergedSpans(list.flatMap((s) => s.evidence || []));
  const spans = [...groups, ...evidence.map(([start, end]) => ({ start, end }))];
  const inside = (spans2, a, b) => spans2.findIndex((g) => (g.start ?? g[0]) <= a && b <= (g.end ?? g[1]));
  function decorate(seg, a, b) {
    const g = inside(groups, a, b);
    if (g >= 0) {
      const group = groups[g];
      seg.classList.add("ccr-sugg");
      seg.dataset.sugg = g;
      if (a === group.start) seg.classList.add("ccr-sugg-first");
      if (b === group.end) seg.classList.add("ccr-sugg-last");
      seg.style.borderColor = group.items.length === 1 ? colourOf(codes.get(group.items[0].code_id)) : "";
      const names = group.items.map((s) => codes.get(s.code_id).name).join(", ");
      seg.title = (seg.title ? seg.title + "\n" : "") + `Suggested: ${names} (click to accept or reject)`;
    }
    if (inside(evidence, a, b) >= 0) seg.classList.add("ccr-evidence");
  }
  return { groups, spans, decorate };
}

// The suggestions' part of a drawn reader. ``ctx``: bar, closePopups, codes, cps, data, doc, openPanel,
// placeNear, root, segs, send, st, sugg (from prepareSuggestions). Returns {open(i), reopen()}.
function suggestionControls(ctx) {
  const { bar, closePopups, codes, cps, data, doc, openPanel, placeNear, root, segs, send, st, sugg } = ctx;
  const { groups } = sugg;
  if (st.suggTid !== data.transcript_id) Object.assign(st, { suggTid: data.transcript_id, suggAt: null, suggFocus: 0 });
  let counter = null;

  function segsOf(i) {
    return segs.filter((s) => s.dataset.sugg === String(i));
  }
  function decide(item, type, row) {
    if (row.classList.contains("ccr-sending")) return;
    row.classList.add("ccr-sending");
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    send({ type, id: item.id });
  }
  function focusRow(panel, i) {
    const rows = Array.from(panel.querySelectorAll(".ccr-sugg-row"));
    if (!rows.length) return;
    st.suggFocus = ((i % rows.length) + rows.length) % rows.length;
    rows.forEach((r, k) => r.classList.toggle("ccr-focus", k === st.suggFocus));
  }
  // The words that made the suggestion; those in a neighbouring sentence (a context suggestion) say so,
  // since the panel names the sentence and they are not in it.
  function evidenceText(item) {
    const spans = mergedSpans(item.evidence || []);
    if (!spans.length) return "its sentence";
    const quote = (list) => list.map(([a, b]) => `“${spanTextOf(cps, a, b, 60)}”`).join(" … ");
    const own = spans.filter(([a, b]) => item.start <= a && b <= item.end);
    const near = spans.filter(([a, b]) => !(item.start <= a && b <= item.end));
    return [own.length ? quote(own) : "", near.length ? `${quote(near)} in a sentence next to it` : ""]
      .filter(Boolean).join(" and ");
  }
  function row(item, panel) {
    const code = codes.get(item.code_id);
    const r = el("div", "ccr-row ccr-sugg-row");
    r.dataset.suggestion = item.id;
    const top = el("div", "ccr-row-top");
    const sw = el("span", "ccr-swatch");
    sw.style.background = colourOf(code);
    const name = el("span", "ccr-name");
    name.append(el("span", "ccr-sugg-label", "Suggested: "), el("strong", "ccr-sugg-code", code.path));
    top.append(sw, name);
    const accept = el("button", "ccr-btn ccr-accept", "Accept");
    accept.type = "button";
    accept.title = `Code this sentence with ${code.name} (A)`;
    accept.addEventListener("click", () => decide(item, "accept_suggestion", r));
    const reject = el("button", "ccr-btn ccr-reject", "Reject");
    reject.type = "button";
    reject.title = `Do not suggest ${code.name} here again (R)`;
    reject.addEventListener("click", () => decide(item, "reject_suggestion", r));
    top.append(accept, reject);
    r.appendChild(top);
    const why = el("div", "ccr-because");
    why.append(el("span", "ccr-because-label", "because: "), el("span", "ccr-because-words", evidenceText(item)));
    r.appendChild(why);
    const from = (item.sources || []).map((s) => (s === "classifier" && item.score != null
      ? `classifier ${Math.round(item.score * 100)}%` : s));
    if (from.length) r.appendChild(el("div", "ccr-sugg-source", `from ${from.join(" and ")}`));
    r.addEventListener("mouseenter", () => focusRow(panel, Number(r.dataset.index)));
    return r;
  }

  function open(i, scroll = false) {
    const group = groups[i];
    if (!group) return false;
    closePopups();
    Object.assign(st, { panelAt: null, suggAt: group.start });
    if (st.suggGroup !== group.start) st.suggFocus = 0;
    st.suggGroup = group.start;
    const mine = segsOf(i);
    segs.forEach((s) => s.classList.toggle("ccr-sugg-open", mine.includes(s)));
    const evidence = mergedSpans(group.items.flatMap((s) => s.evidence || []));
    segs.forEach((s) => s.classList.toggle("ccr-evidence-on", evidence.some(([a, b]) =>
      a <= Number(s.dataset.start) && Number(s.dataset.end) <= b)));
    const panel = el("div", "ccr-panel ccr-sugg-panel");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "Suggested codes for this sentence");
    const head = el("div", "ccr-panel-head");
    const close = el("button", "ccr-btn ccr-close", "×");
    close.type = "button";
    close.title = "Close (Esc)";
    close.addEventListener("click", () => { st.suggAt = null; closeAll(); });
    head.append(el("span", "ccr-panel-title", `“${spanTextOf(cps, group.start, group.end, 70)}”`), close);
    panel.appendChild(head);
    group.items.forEach((item, k) => {
      const r = row(item, panel);
      r.dataset.index = k;
      panel.appendChild(r);
    });
    const foot = el("div", "ccr-keys", "A accept · R reject · ↑↓ choose · Esc close");
    if (mine.some((s) => s.classList.contains("ccr-coded"))) {
      const coded = el("button", "ccr-btn ccr-sugg-codings", "Codes on this passage…");
      coded.type = "button";
      coded.addEventListener("click", () => {
        const first = mine.find((s) => s.classList.contains("ccr-coded"));
        st.suggAt = null;
        closeAll();
        openPanel(Number(first.dataset.start), first.getBoundingClientRect());
      });
      foot.append(" · ", coded);
    }
    panel.appendChild(foot);
    root.appendChild(panel);
    root.classList.add("ccr-open");
    focusRow(panel, st.suggFocus);
    if (scroll && mine[0]) mine[0].scrollIntoView({ block: "center" });
    placeNear(panel, (mine[0] || segs[0]).getBoundingClientRect());
    if (counter) counter.textContent = `${i + 1} of ${groups.length}`;
    return true;
  }
  function closeAll() {
    segs.forEach((s) => s.classList.remove("ccr-sugg-open", "ccr-evidence-on"));
    closePopups();
  }
  function reopen() {
    if (st.suggAt === null || st.suggAt === undefined) return;
    const i = groups.findIndex((g) => g.start === st.suggAt);
    if (i >= 0) open(i);
    else st.suggAt = null;
  }
  function step(delta) {
    if (!groups.length) return;
    const at = st.suggAt ?? -1;
    let i = groups.findIndex((g) => (delta > 0 ? g.start > at : g.start >= at));
    if (delta > 0) i = i < 0 ? 0 : i;
    else i = (i < 0 ? groups.length : i) - 1;
    open(((i % groups.length) + groups.length) % groups.length, true);
  }

  // ---- the toolbar: how many sentences carry suggestions, and ‹ › to step through them
  if (groups.length) {
    const nav = el("span", "ccr-sugg-nav");
    const prev = el("button", "ccr-btn ccr-sugg-prev", "‹");
    const next = el("button", "ccr-btn ccr-sugg-next", "›");
    prev.type = next.type = "button";
    prev.title = "Previous suggested sentence";
    next.title = "Next suggested sentence";
    prev.addEventListener("click", () => step(-1));
    next.addEventListener("click", () => step(1));
    const n = data.suggestions.length;
    counter = el("span", "ccr-sugg-count", `${groups.length} sentence${groups.length === 1 ? "" : "s"}`);
    nav.append(el("span", "ccr-sugg-title", `Suggestions (${n}):`), prev, counter, next);
    bar.insertBefore(nav, bar.querySelector(".ccr-status"));
  } else if (data.show_suggestions) {
    bar.insertBefore(el("span", "ccr-sugg-nav ccr-sugg-none", "No open suggestions here"),
      bar.querySelector(".ccr-status"));
  }

  // ---- keys while a suggestion's panel is open. Listening on the window before anything else, so
  // Streamlit's own R (rerun) does not fire as well; text boxes keep their keys.
  if (st.suggKeyHandler) window.removeEventListener("keydown", st.suggKeyHandler, true);
  st.suggKeyHandler = (e) => {
    const panel = root.isConnected && root.querySelector(".ccr-sugg-panel");
    if (!panel || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    const rows = Array.from(panel.querySelectorAll(".ccr-sugg-row"));
    const current = rows[st.suggFocus] || rows[0];
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const acts = {
      a: () => current && current.querySelector(".ccr-accept").click(),
      r: () => current && current.querySelector(".ccr-reject").click(),
      ArrowDown: rows.length > 1 ? () => focusRow(panel, st.suggFocus + 1) : null,
      ArrowUp: rows.length > 1 ? () => focusRow(panel, st.suggFocus - 1) : null,
      Escape: () => { st.suggAt = null; closeAll(); },
    };
    if (!acts[key]) return;
    e.preventDefault();
    e.stopPropagation();
    acts[key]();
  };
  window.addEventListener("keydown", st.suggKeyHandler, true);
  doc.dataset.suggestions = String(groups.length);

  return { open, reopen };
}
