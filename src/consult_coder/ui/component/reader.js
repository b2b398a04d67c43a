// The transcript reader of the "Code" page: draws speaker turns with coded passages, turns a mouse or
// keyboard (Shift+arrows) selection into code-point offsets, and sends coding actions to Python with
// setTriggerValue("action"). It also marks search hits, steps through them without a round trip, and
// scrolls to a passage another page asked for ("jump"), flashing it once.
// All user text (transcript, code names, memos, speakers) goes in with textContent, never innerHTML.

const STATE = new Map(); // per component key: what must survive a re-render (open palette, queue, …)
const WORD = /[\p{L}\p{N}\p{M}_'’-]/u;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const TRACK_PX = 4; // height of one stacked underline, including its gap
const KEY_SELECT_MS = 600; // a keyboard selection opens the palette once it has rested this long

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function colourOf(code) {
  return code && COLOUR.test(code.colour || "") ? code.colour : "#888888";
}

// Code points, not UTF-16 units: Python offsets count code points of the stored text.
function cpLen(s) {
  return Array.from(s).length;
}

function stateFor(key) {
  if (!STATE.has(key)) {
    STATE.set(key, { lastRev: null, busy: false, timer: null, queue: [], pending: null, filter: "",
                     focus: 0, panelAt: null, keyHandler: null, lastJump: null, hitKey: null, hit: 0,
                     mouseDown: false, shiftDown: false, selTimer: null, selHandler: null,
                     upHandler: null });
  }
  return STATE.get(key);
}

// Each coding gets a track (its underline depth) so an overlapping coding keeps its own line.
function assignTracks(codings) {
  const ends = [];
  const track = new Map();
  const sorted = [...codings].sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
  for (const c of sorted) {
    let t = ends.findIndex((end) => end <= c.start);
    if (t < 0) { t = ends.length; ends.push(0); }
    ends[t] = c.end;
    track.set(c.id, t);
  }
  return { track, count: ends.length };
}

function spanTextOf(cps, start, end, max = 90) {
  const s = cps.slice(start, end).join("");
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

function trimSpan(cps, start, end) {
  while (start < end && /\s/u.test(cps[start])) start++;
  while (end > start && /\s/u.test(cps[end - 1])) end--;
  return [start, end];
}

const isWord = (ch) => ch !== undefined && WORD.test(ch);

function moveEdge(cps, start, end, how) {
  let i;
  switch (how) {
    case "grow-start":
      i = start;
      while (i > 0 && !isWord(cps[i - 1])) i--;
      while (i > 0 && isWord(cps[i - 1])) i--;
      return [i, end];
    case "grow-end":
      i = end;
      while (i < cps.length && !isWord(cps[i])) i++;
      while (i < cps.length && isWord(cps[i])) i++;
      return [start, i];
    case "shrink-start":
      i = start;
      while (i < end && isWord(cps[i])) i++;
      while (i < end && !isWord(cps[i])) i++;
      return i < end ? [i, end] : [start, end];
    case "shrink-end":
      i = end;
      while (i > start && isWord(cps[i - 1])) i--;
      while (i > start && !isWord(cps[i - 1])) i--;
      return i > start ? [start, i] : [start, end];
    default:
      return [start, end];
  }
}

// Map one boundary of a DOM Range to a code-point offset of the stored text.
function boundaryOffset(node, offset, segs, isEnd) {
  const seg = node.nodeType === Node.TEXT_NODE ? node.parentElement : null;
  if (seg && seg.classList.contains("ccr-seg")) {
    return Number(seg.dataset.start) + cpLen(node.data.slice(0, offset));
  }
  // The boundary sits between elements (a speaker label, a turn edge): take the nearest text.
  const probe = document.createRange();
  probe.setStart(node, offset);
  if (!isEnd) {
    for (const s of segs) {
      if (probe.comparePoint(s.firstChild || s, 0) >= 0) return Number(s.dataset.start);
    }
    return null;
  }
  for (let k = segs.length - 1; k >= 0; k--) {
    const s = segs[k];
    const t = s.firstChild || s;
    if (probe.comparePoint(t, t.nodeType === Node.TEXT_NODE ? t.data.length : 0) <= 0) {
      return Number(s.dataset.end);
    }
  }
  return null;
}

function segmentBounds(turn, spans) {
  const cuts = new Set([turn.start, turn.end]);
  const add = (v) => { if (v > turn.start && v < turn.end) cuts.add(v); };
  for (const c of spans) { if (c) { add(c.start); add(c.end); } }
  return [...cuts].sort((a, b) => a - b);
}

// Index of the hit holding the segment [a, b), or -1. Hits are sorted and do not overlap.
function hitAt(hits, a, b) {
  let lo = 0;
  let hi = hits.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (hits[mid].end <= a) lo = mid + 1;
    else if (hits[mid].start > a) hi = mid - 1;
    else return hits[mid].end >= b ? mid : -1;
  }
  return -1;
}

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
  const hitKey = `${data.transcript_id}|${data.query || ""}|${hits.length}|${hits.length ? hits[0].start : ""}`;
  const jump = data.jump && data.jump.seq !== st.lastJump ? data.jump : null;

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
    const cuts = segmentBounds(turn, [...codings, ...hits, st.pending, jump]);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i];
      const b = cuts[i + 1];
      const seg = el("span", "ccr-seg", cps.slice(a, b).join(""));
      seg.dataset.start = a;
      seg.dataset.end = b;
      const here = codings.filter((c) => c.start <= a && c.end >= b)
        .sort((x, y) => track.get(x.id) - track.get(y.id));
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

  // ---- palette: choose codes for the pending selection
  function openPalette(rect) {
    closePopups();
    const pal = el("div", "ccr-palette");
    pal.setAttribute("role", "dialog");
    const p = st.pending;
    pal.appendChild(el("div", "ccr-quote", `“${spanTextOf(cps, p.start, p.end)}”`));
    const input = el("input", "ccr-search");
    input.type = "search";
    input.placeholder = "Type to find a code · 1–9 apply";
    input.value = st.filter;
    const list = el("div", "ccr-list");
    list.setAttribute("role", "listbox");
    const about = el("div", "ccr-about");
    pal.append(input, list, about,
      el("div", "ccr-keys", "Enter applies · ↑↓ move · 1–9 quick keys · Esc closes"));
    const applied = new Set(codings.filter((c) => c.own && c.start === p.start && c.end === p.end)
      .map((c) => c.code_id));
    let shown = [];
    function describe(code) {
      about.replaceChildren();
      if (!code) return;
      about.appendChild(el("div", "ccr-about-name", code.path));
      for (const [label, text] of [["", code.definition], ["Use when: ", code.when_to_use],
        ["Not when: ", code.when_not_to_use]]) {
        if (text) about.appendChild(el("div", "ccr-about-line", label + text));
      }
    }
    function draw() {
      const q = input.value.trim().toLowerCase();
      shown = (data.codes || []).filter((c) => !c.archived && (!q
        || c.path.toLowerCase().includes(q) || (c.definition || "").toLowerCase().includes(q)));
      st.focus = Math.min(st.focus, Math.max(0, shown.length - 1));
      list.replaceChildren();
      shown.forEach((code, i) => {
        const item = el("div", "ccr-item");
        item.setAttribute("role", "option");
        item.dataset.code = code.id;
        if (i === st.focus) item.classList.add("ccr-focus");
        const num = el("span", "ccr-num", i < 9 ? String(i + 1) : "");
        const sw = el("span", "ccr-swatch");
        sw.style.background = colourOf(code);
        const name = el("span", "ccr-name", code.path);
        const tick = el("span", "ccr-tick", applied.has(code.id) ? "✓" : "");
        item.append(num, sw, name, tick);
        item.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the search box
        item.addEventListener("click", () => apply(code));
        item.addEventListener("mousemove", () => {
          if (st.focus !== i) { st.focus = i; draw(); }
        });
        list.appendChild(item);
      });
      if (!shown.length) list.appendChild(el("div", "ccr-empty", "No code matches"));
      describe(shown[st.focus]);
    }
    function apply(code) {
      if (!code) return;
      applied.add(code.id);
      draw();
      send({ type: "add", start: p.start, end: p.end, codes: [code.id] });
    }
    input.addEventListener("input", () => { st.filter = input.value; st.focus = 0; draw(); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = shown.length || 1;
        st.focus = (st.focus + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
        draw();
      } else if (e.key === "Enter") {
        e.preventDefault();
        apply(shown[st.focus]);
      } else if (e.key === "Escape") {
        e.preventDefault();
        st.pending = null;
        st.filter = "";
        closePopups();
        segs.forEach((s) => s.classList.remove("ccr-pending"));
        caretTo(p.end); // a keyboard coder carries on from the end of that passage
      } else if (/^[1-9]$/.test(e.key) && input.value === "" && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        apply(shown[Number(e.key) - 1]);
      }
    });
    root.appendChild(pal);
    root.classList.add("ccr-open");
    draw();
    placeNear(pal, rect);
    input.focus({ preventScroll: true });
  }

  // ---- panel: a coded passage's codes, memos, edges and removal
  function openPanel(offset, rect) {
    closePopups();
    const here = codings.filter((c) => c.start <= offset && offset < c.end)
      .sort((a, b) => (codeOrder.get(a.code_id) ?? 0) - (codeOrder.get(b.code_id) ?? 0) || a.id - b.id);
    if (!here.length) { st.panelAt = null; return; }
    st.panelAt = offset;
    const panel = el("div", "ccr-panel");
    panel.setAttribute("role", "dialog");
    const head = el("div", "ccr-panel-head");
    const close = el("button", "ccr-btn ccr-close", "×");
    close.type = "button";
    close.title = "Close";
    close.addEventListener("click", () => { st.panelAt = null; closePopups(); });
    const undo2 = el("button", "ccr-btn", "↶ Undo");
    undo2.type = "button";
    undo2.disabled = !data.can_undo;
    undo2.addEventListener("click", () => send({ type: "undo" }));
    head.append(el("span", "ccr-panel-title", "Codes on this passage"), undo2, close);
    panel.appendChild(head);
    for (const c of here) {
      const code = codes.get(c.code_id);
      const row = el("div", "ccr-row");
      row.dataset.coding = c.id;
      const top = el("div", "ccr-row-top");
      const sw = el("span", "ccr-swatch");
      sw.style.background = colourOf(code);
      top.append(sw, el("span", "ccr-name", code.path), el("span", "ccr-coder", c.coder));
      if (c.own) {
        const rm = el("button", "ccr-btn ccr-remove", "Remove");
        rm.type = "button";
        rm.title = `Remove ${code.name} from this passage`;
        rm.addEventListener("click", () => send({ type: "remove", id: c.id }));
        top.appendChild(rm);
      }
      row.appendChild(top);
      row.appendChild(el("div", "ccr-span", `“${spanTextOf(cps, c.start, c.end, 140)}”`));
      if (c.own) {
        const edges = el("div", "ccr-edges");
        const moves = [["grow-start", "◂ Start", "Start one word earlier"],
          ["shrink-start", "Start ▸", "Start one word later"],
          ["shrink-end", "◂ End", "End one word earlier"],
          ["grow-end", "End ▸", "End one word later"]];
        for (const [how, label, title] of moves) {
          const b = el("button", "ccr-btn ccr-edge", label);
          b.type = "button";
          b.title = title;
          b.dataset.move = how;
          b.addEventListener("click", () => {
            const [s, e] = moveEdge(cps, c.start, c.end, how);
            if (s !== c.start || e !== c.end) send({ type: "resize", id: c.id, start: s, end: e, snap: "word" });
          });
          edges.appendChild(b);
        }
        const whole = el("button", "ccr-btn ccr-edge", "Whole sentences");
        whole.type = "button";
        whole.dataset.move = "sentence";
        whole.title = "Widen to the whole sentences this passage touches";
        whole.addEventListener("click",
          () => send({ type: "resize", id: c.id, start: c.start, end: c.end, snap: "sentence" }));
        edges.appendChild(whole);
        row.appendChild(edges);
        const memo = el("textarea", "ccr-memo");
        memo.placeholder = "Memo (saved when you leave the box or press Enter)";
        memo.rows = 2;
        memo.value = c.memo || "";
        const save = () => {
          if (memo.value.trim() !== (c.memo || "").trim()) {
            c.memo = memo.value;
            send({ type: "memo", id: c.id, memo: memo.value });
          }
        };
        memo.addEventListener("blur", save);
        memo.addEventListener("keydown", (e) => {
          if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save(); }
        });
        row.appendChild(memo);
      } else if (c.memo) {
        row.appendChild(el("div", "ccr-memo-ro", c.memo));
      }
      panel.appendChild(row);
    }
    root.appendChild(panel);
    root.classList.add("ccr-open");
    placeNear(panel, rect);
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
      if (seg && seg.classList.contains("ccr-coded")) {
        st.pending = null;
        markPending();
        openPanel(Number(seg.dataset.start), seg.getBoundingClientRect());
      } else {
        st.pending = null;
        st.panelAt = null;
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

  // ---- keyboard selection. Browsers move a caret through plain text only with caret browsing (F7),
  // so the reader does it itself while it has focus: arrows move a visible caret, Shift+arrows select
  // (with Ctrl: by word), Shift+Home/End to the line's ends. A selection that rests for a moment with
  // Shift let go opens the palette (also one made by caret browsing or assistive tools). While the
  // mouse button is down the mouse owns the selection, and its mouseup takes it.
  function caretTo(offset) {
    const seg = segAt(Math.min(offset, cps.length - 1)) || segs[segs.length - 1];
    if (!seg) return;
    const node = seg.firstChild;
    const units = Array.from(node.data).slice(0, Math.max(0, offset - Number(seg.dataset.start)))
      .join("").length;
    const range = document.createRange();
    range.setStart(node, Math.min(units, node.data.length));
    range.collapse(true);
    const sel = document.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    doc.focus({ preventScroll: true });
  }
  function scroller() {
    for (let n = root.parentElement; n && n !== document.body; n = n.parentElement) {
      const overflow = getComputedStyle(n).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && n.scrollHeight > n.clientHeight) return n;
    }
    return document.scrollingElement || document.documentElement;
  }
  // Scroll just enough that the moving end of the selection stays on screen, clear of the toolbar.
  function keepInView(sel) {
    const probe = document.createRange();
    probe.setStart(sel.focusNode, sel.focusOffset);
    const rects = probe.getClientRects();
    const r = rects.length ? rects[0] : probe.getBoundingClientRect();
    const top = bar.getBoundingClientRect().bottom + 8;
    const bottom = window.innerHeight - 48;
    const dy = r.bottom > bottom ? r.bottom - bottom : r.top < top ? r.top - top : 0;
    if (dy) scroller().scrollBy(0, dy);
  }
  function selectionInDoc() {
    const sel = document.getSelection();
    return sel && sel.rangeCount && doc.contains(sel.getRangeAt(0).commonAncestorContainer) ? sel : null;
  }
  function drawCaret() {
    const sel = selectionInDoc();
    if (!sel || !sel.isCollapsed || document.activeElement !== doc) { caret.hidden = true; return; }
    const rects = sel.getRangeAt(0).getClientRects();
    const r = rects.length ? rects[0] : null;
    if (!r || !r.height) { caret.hidden = true; return; }
    const outer = root.getBoundingClientRect();
    Object.assign(caret.style, { top: `${r.top - outer.top}px`, left: `${r.left - outer.left}px`,
                                 height: `${r.height}px` });
    caret.hidden = false;
  }
  const ARROWS = { ArrowLeft: ["backward", "character"], ArrowRight: ["forward", "character"],
                   ArrowUp: ["backward", "line"], ArrowDown: ["forward", "line"],
                   Home: ["backward", "lineboundary"], End: ["forward", "lineboundary"] };
  doc.addEventListener("focus", () => {
    if (selectionInDoc() || st.mouseDown) { drawCaret(); return; }
    // Tabbed in: start at the first line on screen.
    const first = segs.find((seg) => seg.getBoundingClientRect().bottom > 0) || segs[0];
    if (first) caretTo(Number(first.dataset.start));
  });
  doc.addEventListener("blur", () => { caret.hidden = true; });
  function takeSoon() {
    clearTimeout(st.selTimer);
    st.selTimer = setTimeout(() => {
      if (!st.mouseDown && !st.shiftDown && root.isConnected) takeSelection();
    }, KEY_SELECT_MS);
  }
  doc.addEventListener("keydown", (e) => {
    st.shiftDown = e.shiftKey;
    if (e.shiftKey) clearTimeout(st.selTimer); // still selecting
    const move = ARROWS[e.key];
    if (!move || e.altKey || e.metaKey) return;
    const sel = selectionInDoc();
    if (!sel) return;
    e.preventDefault();
    const [direction, unit] = move;
    const granularity = e.ctrlKey && unit === "character" ? "word" : unit;
    sel.modify(e.shiftKey ? "extend" : "move", direction, granularity);
    keepInView(sel);
  });
  doc.addEventListener("keyup", (e) => {
    st.shiftDown = e.shiftKey;
    if (e.key === "Shift") takeSoon(); // unless Shift goes down again at once, the selection is done
  });
  if (!st.blurHandler) { // once per reader: a Shift let go in another window is not held down here
    st.blurHandler = () => { st.shiftDown = false; };
    window.addEventListener("blur", st.blurHandler);
  }

  if (st.selHandler) document.removeEventListener("selectionchange", st.selHandler);
  st.selHandler = () => {
    clearTimeout(st.selTimer);
    if (!root.isConnected) return;
    drawCaret();
    if (!st.mouseDown) takeSoon();
  };
  document.addEventListener("selectionchange", st.selHandler);

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
  }
  flush();

  return () => {
    if (st.keyHandler) document.removeEventListener("keydown", st.keyHandler);
    if (st.selHandler) document.removeEventListener("selectionchange", st.selHandler);
    if (st.upHandler) document.removeEventListener("mouseup", st.upHandler);
    clearTimeout(st.selTimer);
    Object.assign(st, { keyHandler: null, selHandler: null, upHandler: null, mouseDown: false });
  };
}
