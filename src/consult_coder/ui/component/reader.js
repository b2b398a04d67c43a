// The transcript reader of the "Code" page, DOM part 5: the component. It draws speaker turns with
// coded passages, turns a mouse or keyboard (Shift+arrows) selection into code-point offsets, and
// sends coding actions to Python with setTriggerValue("action"). It also marks search hits, steps
// through them without a round trip, and scrolls to a passage another page asked for ("jump"),
// flashing it once. All user text (transcript, code names, memos, speakers) goes in with
// textContent, never innerHTML.

export default function reader(component) {
  const { data, parentElement, setTriggerValue } = component;
  const key = component.key || "reader";
  const st = stateFor(key);
  if (!data || typeof data.text !== "string") return undefined;

  const cps = Array.from(data.text);
  const codes = new Map((data.codes || []).map((c) => [c.id, c]));
  const codeOrder = new Map((data.codes || []).map((c, i) => [c.id, i]));
  const codings = (data.codings || []).filter((c) => codes.has(c.code_id));
  const { track, count: trackCount } = assignTracks(codings);
  const hits = (data.hits || []).map(([start, end]) => ({ start, end }));
  const firstHit = hits.length ? hits[0].start : "";
  const hitKey = `${data.transcript_id}|${data.query || ""}|${hits.length}|${firstHit}`;
  const jump = data.jump && data.jump.seq !== st.lastJump ? data.jump : null;
  const sugg = prepareSuggestions(data, codes, codeOrder); // reader_suggest.js

  // A new revision means Python handled the last action: release the next queued one.
  if (data.rev !== st.lastRev) {
    st.lastRev = data.rev;
    st.busy = false;
    clearTimeout(st.timer);
  }
  if (data.transcript_id !== st.transcriptId) {
    Object.assign(st, { transcriptId: data.transcript_id, pending: null, panelAt: null, filter: "",
                        focus: 0, queue: [], hit: 0 });
  }

  function send(action) {
    if (st.busy) { st.queue.push(action); return; }
    st.busy = true;
    status.textContent = "Saving…";
    clearTimeout(st.timer);
    // If no answer arrives (e.g. the server went away), do not block further actions for ever.
    st.timer = setTimeout(() => { st.busy = false; flush(); }, 8000);
    setTriggerValue("action", { ...action, transcript: data.transcript_id });
  }
  function flush() {
    if (!st.busy && st.queue.length) send(st.queue.shift());
  }

  let root = parentElement.querySelector(":scope > .ccr-root");
  if (!root) {
    root = el("div", "ccr-root");
    parentElement.appendChild(root);
  }
  root.replaceChildren();
  root.classList.remove("ccr-open");
  root.style.setProperty("--ccr-line", `calc(1.7em + ${Math.max(0, trackCount - 1) * TRACK_PX}px)`);

  // ---- toolbar
  const bar = el("div", "ccr-bar");
  const undoBtn = el("button", "ccr-btn ccr-undo", "↶ Undo");
  undoBtn.type = "button";
  undoBtn.title = "Undo your last coding action on this transcript (Ctrl+Z)";
  undoBtn.disabled = !data.can_undo;
  undoBtn.addEventListener("click", () => send({ type: "undo" }));
  const hint = el("span", "ccr-hint",
    "Select text (mouse, or Shift+arrows) to code it · click a coloured passage to change it");
  const status = el("span", "ccr-status", data.notice || "");
  bar.append(undoBtn, hint);
  let hitCount = null;
  if (data.query) {
    const nav = el("span", "ccr-hits");
    const prev = el("button", "ccr-btn ccr-hit-prev", "‹");
    const next = el("button", "ccr-btn ccr-hit-next", "›");
    prev.type = next.type = "button";
    prev.title = "Previous hit";
    next.title = "Next hit";
    prev.disabled = next.disabled = hits.length < 2;
    prev.addEventListener("click", () => showHit(st.hit - 1, true));
    next.addEventListener("click", () => showHit(st.hit + 1, true));
    hitCount = el("span", "ccr-hit-count");
    nav.append(prev, hitCount, next);
    bar.appendChild(nav);
  }
  bar.appendChild(status);
  root.appendChild(bar);

  // ---- the transcript, turn by turn, split at every coding edge
  const doc = el("div", "ccr-doc");
  // Focusable, so a keyboard-only coder can Tab here, move a caret with the arrows and select with Shift.
  doc.tabIndex = 0;
  doc.setAttribute("role", "document");
  doc.setAttribute("aria-label",
    "Transcript. Arrow keys move the caret, Shift with arrow keys selects text to code.");
  root.appendChild(doc);
  const caret = el("div", "ccr-caret");
  caret.hidden = true;
  root.appendChild(caret);
  const turns = data.turns && data.turns.length ? data.turns
    : [{ speaker: "", kind: "participant", start: 0, end: cps.length, label: "" }];
  for (const turn of turns) {
    const box = el("div", `ccr-turn ccr-${turn.kind === "interviewer" ? "interviewer" : "participant"}`);
    if (turn.speaker) {
      const who = el("div", "ccr-speaker", turn.speaker);
      if (turn.label) who.appendChild(el("span", "ccr-who", turn.label));
      box.appendChild(who);
    }
    const body = el("div", "ccr-text");
    const cuts = segmentBounds(turn, [...codings, ...hits, ...sugg.spans, st.pending, jump]);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i];
      const b = cuts[i + 1];
      const seg = el("span", "ccr-seg", cps.slice(a, b).join(""));
      seg.dataset.start = a;
      seg.dataset.end = b;
      const here = codingsOver(codings, track, a, b);
      if (here.length) {
        seg.classList.add("ccr-coded");
        const layers = [];
        const sizes = [];
        const places = [];
        for (const c of here) {
          const col = colourOf(codes.get(c.code_id));
          layers.push(c.own ? `linear-gradient(${col}, ${col})`
            : `repeating-linear-gradient(90deg, ${col} 0 5px, transparent 5px 8px)`);
          sizes.push("100% 3px");
          // Every coded segment has the same padding, so a track sits at the same depth everywhere.
          places.push(`0 calc(100% - ${(trackCount - 1 - track.get(c.id)) * TRACK_PX}px)`);
        }
        seg.style.backgroundImage = layers.join(", ");
        seg.style.backgroundSize = sizes.join(", ");
        seg.style.backgroundPosition = places.join(", ");
        seg.style.paddingBottom = `${trackCount * TRACK_PX - 1}px`;
        seg.style.backgroundColor = colourOf(codes.get(here[0].code_id)) + "1a";
        seg.title = here.map((c) => `${codes.get(c.code_id).name} — ${c.coder}${c.memo ? ": " + c.memo : ""}`)
          .join("\n");
        seg.dataset.codes = here.map((c) => c.code_id).join(" ");
      }
      if (st.pending && a >= st.pending.start && b <= st.pending.end) seg.classList.add("ccr-pending");
      const h = hits.length ? hitAt(hits, a, b) : -1;
      if (h >= 0) {
        seg.classList.add("ccr-hit");
        seg.dataset.hit = h;
      }
      if (jump && a >= jump.start && b <= jump.end) seg.classList.add("ccr-flash");
      sugg.decorate(seg, a, b);
      body.appendChild(seg);
    }
    box.appendChild(body);
    doc.appendChild(box);
  }
  const segs = Array.from(doc.querySelectorAll(".ccr-seg"));

  // ---- search hits: the current one stands out; ‹ › step through them here, with no round trip
  function showHit(i, scroll) {
    if (!hits.length) {
      if (hitCount) hitCount.textContent = `No match for “${data.query}”`;
      return;
    }
    st.hit = ((i % hits.length) + hits.length) % hits.length;
    hitCount.textContent = `${st.hit + 1} of ${hits.length}${data.more_hits ? "+" : ""}`;
    let first = null;
    for (const seg of doc.querySelectorAll(".ccr-hit")) {
      const on = Number(seg.dataset.hit) === st.hit;
      seg.classList.toggle("ccr-hit-current", on);
      if (on && !first) first = seg;
    }
    if (scroll && first) first.scrollIntoView({ block: "center", behavior: "smooth" });
  }
  if (data.query) {
    const fresh = hitKey !== st.hitKey;
    st.hitKey = hitKey;
    // A new search goes to its first hit; a redraw after a coding action stays where the coder was.
    showHit(fresh ? 0 : st.hit, fresh && !jump);
  } else {
    st.hitKey = null;
  }

  // ---- a jump from another page: bring the passage into view and flash it, once per jump
  if (jump) {
    st.lastJump = jump.seq;
    const target = doc.querySelector(".ccr-flash");
    if (target) {
      let userMoved = false;
      const stop = () => { userMoved = true; };
      for (const type of ["wheel", "keydown", "touchstart", "mousedown"]) {
        window.addEventListener(type, stop, { once: true, passive: true });
      }
      const inView = () => {
        const r = target.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      };
      // Streamlit may still be laying out the page: look again a little later, unless the coder moved.
      const bring = () => {
        if (target.isConnected && !userMoved && !inView()) target.scrollIntoView({ block: "center" });
      };
      requestAnimationFrame(bring);
      setTimeout(bring, 300);
      setTimeout(bring, 900);
    }
  }

  function placeNear(pop, rect) {
    const outer = root.getBoundingClientRect();
    pop.style.top = `${rect.bottom - outer.top + 6}px`;
    const left = Math.min(rect.left - outer.left, Math.max(0, outer.width - pop.offsetWidth - 4));
    pop.style.left = `${Math.max(0, left)}px`;
  }
  function closePopups() {
    root.querySelectorAll(".ccr-palette, .ccr-panel").forEach((p) => p.remove());
    root.classList.remove("ccr-open");
  }
  function segAt(offset) {
    return segs.find((s) => Number(s.dataset.start) <= offset && offset < Number(s.dataset.end));
  }

  // ---- palette: choose codes for the pending selection (reader_palette.js)
  function openPalette(rect) {
    const ctx = { closePopups, codings, cps, data, placeNear, root, segs, send, st,
                  caretTo: (offset) => caretTo(offset) };
    openPaletteIn(ctx, rect);
  }

  // ---- panel: a coded passage's codes, memos, edges and removal (reader_panel.js)
  function openPanel(offset, rect) {
    const ctx = { closePopups, codeOrder, codes, codings, cps, data, placeNear, root, send, st };
    openPanelIn(ctx, offset, rect);
  }

  // ---- a selection in the text (mouse or keyboard) becomes the pending passage and opens the palette
  function takeSelection() {
    const sel = document.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return false;
    const range = sel.getRangeAt(0);
    if (!doc.contains(range.commonAncestorContainer)) return false;
    let start = boundaryOffset(range.startContainer, range.startOffset, segs, false);
    let end = boundaryOffset(range.endContainer, range.endOffset, segs, true);
    if (start === null || end === null) return false;
    [start, end] = trimSpan(cps, start, end);
    if (start >= end) return false;
    const rect = range.getBoundingClientRect();
    st.pending = { start, end };
    st.filter = "";
    st.focus = 0;
    st.panelAt = null;
    st.suggAt = null;
    sel.removeAllRanges();
    splitAt(start);
    splitAt(end);
    markPending();
    openPalette(rect);
    return true;
  }

  // ---- mouse: a selection opens the palette, a click on a coded passage opens the panel
  doc.addEventListener("mousedown", (ev) => {
    if (ev.button === 0) st.mouseDown = true;
  });
  doc.addEventListener("mouseup", (ev) => {
    if (ev.button !== 0) return;
    st.mouseDown = false;
    setTimeout(() => {
      const sel = document.getSelection();
      if (sel && !sel.isCollapsed && sel.rangeCount) {
        takeSelection();
        return;
      }
      const seg = ev.target.closest && ev.target.closest(".ccr-seg");
      if (seg && seg.classList.contains("ccr-sugg") && suggestions.open(Number(seg.dataset.sugg))) {
        st.pending = null;
        markPending();
      } else if (seg && seg.classList.contains("ccr-coded")) {
        st.suggAt = null;
        st.pending = null;
        markPending();
        openPanel(Number(seg.dataset.start), seg.getBoundingClientRect());
      } else {
        st.pending = null;
        st.panelAt = null;
        st.suggAt = null;
        markPending();
        closePopups();
      }
    }, 0);
  });
  // Cut the segment holding ``offset`` in two, so the pending passage can be marked exactly before
  // the next redraw cuts there anyway. The copy keeps the look (classes, style, title) of the original.
  function splitAt(offset) {
    const i = segs.findIndex((seg) => Number(seg.dataset.start) < offset && offset < Number(seg.dataset.end));
    if (i < 0) return;
    const seg = segs[i];
    const tail = seg.cloneNode(false);
    tail.textContent = cps.slice(offset, Number(seg.dataset.end)).join("");
    tail.dataset.start = offset;
    seg.textContent = cps.slice(Number(seg.dataset.start), offset).join("");
    seg.dataset.end = offset;
    seg.after(tail);
    segs.splice(i + 1, 0, tail);
  }
  function markPending() {
    segs.forEach((s) => {
      const inside = st.pending && Number(s.dataset.start) >= st.pending.start
        && Number(s.dataset.end) <= st.pending.end;
      s.classList.toggle("ccr-pending", Boolean(inside));
    });
  }

  // A drag that ends outside the text still selects text in it.
  if (st.upHandler) document.removeEventListener("mouseup", st.upHandler);
  st.upHandler = (ev) => {
    if (!st.mouseDown || ev.button !== 0) return;
    st.mouseDown = false;
    if (root.isConnected && !doc.contains(ev.target)) setTimeout(takeSelection, 0);
  };
  document.addEventListener("mouseup", st.upHandler);

  // ---- suggestions: outlined sentences, their panel, ‹ › in the toolbar, A / R (reader_suggest.js)
  const suggestions = suggestionControls({ bar, closePopups, codes, cps, data, doc, openPanel, placeNear, root,
                                           segs, send, st, sugg });

  // ---- keyboard selection (reader_caret.js)
  const { caretTo } = caretControls({ root, doc, bar, caret, cps, segs, st, segAt, takeSelection });

  // ---- keyboard: Ctrl+Z undoes (outside text boxes, which keep their own undo); Esc closes
  if (st.keyHandler) document.removeEventListener("keydown", st.keyHandler);
  st.keyHandler = (e) => {
    if (!root.isConnected) return;
    const typing = e.target && (e.target.tagName === "TEXTAREA"
      || (e.target.tagName === "INPUT" && !e.target.classList.contains("ccr-search")));
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z" && !typing) {
      if (e.target.classList && e.target.classList.contains("ccr-search") && e.target.value) return;
      e.preventDefault();
      send({ type: "undo" });
    } else if (e.key === "Escape" && root.querySelector(".ccr-panel")) {
      st.panelAt = null;
      closePopups();
    }
  };
  document.addEventListener("keydown", st.keyHandler);

  // ---- after a re-render, bring back what was open
  if (st.pending) {
    const first = segs.find((s) => Number(s.dataset.start) === st.pending.start);
    if (first) openPalette(first.getBoundingClientRect());
    else st.pending = null;
  } else if (st.panelAt !== null) {
    const seg = segAt(st.panelAt);
    if (seg) openPanel(st.panelAt, seg.getBoundingClientRect());
  } else {
    suggestions.reopen();
  }
  flush();

  return () => {
    if (st.keyHandler) document.removeEventListener("keydown", st.keyHandler);
    if (st.selHandler) document.removeEventListener("selectionchange", st.selHandler);
    if (st.upHandler) document.removeEventListener("mouseup", st.upHandler);
    if (st.suggKeyHandler) window.removeEventListener("keydown", st.suggKeyHandler, true);
    clearTimeout(st.selTimer);
    Object.assign(st, { keyHandler: null, selHandler: null, upHandler: null, suggKeyHandler: null,
                        mouseDown: false });
  };
}
