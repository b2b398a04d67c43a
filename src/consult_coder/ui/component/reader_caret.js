// The transcript reader, DOM part 2: moving a caret and selecting text with the keyboard.

// Keyboard selection. Browsers move a caret through plain text only with caret browsing (F7), so the
// reader does it itself while it has focus: arrows move a visible caret, Shift+arrows select (with
// Ctrl: by word), Shift+Home/End to the line's ends. A selection that rests for a moment with Shift
// let go opens the palette (also one made by caret browsing or assistive tools). While the mouse
// button is down the mouse owns the selection, and its mouseup takes it.
// ``ctx`` holds the drawn reader: root, doc, bar, caret, cps, segs, st, segAt, takeSelection.
// Returns caretTo(offset), which puts the caret at a code-point offset and focuses the text.
function caretControls(ctx) {
  const { root, doc, bar, caret, cps, segs, st, segAt, takeSelection } = ctx;
  function caretTo(offset) {
    const seg = segAt(Math.min(offset, cps.length - 1)) || segs[segs.length - 1];
    if (!seg) return;
    const node = seg.firstChild;
    const units = codePointsToUnits(node.data, offset - Number(seg.dataset.start));
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
  return { caretTo };
}
