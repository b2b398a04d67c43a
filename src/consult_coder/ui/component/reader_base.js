// The transcript reader, DOM part 1: per-reader state, and DOM helpers (making elements, mapping a
// DOM Range boundary to a stored offset). The pure helpers are in reader_pure.js, joined before this.

const STATE = new Map(); // per component key: what must survive a re-render (open palette, queue, …)
const TRACK_PX = 4; // height of one stacked underline, including its gap
const KEY_SELECT_MS = 600; // a keyboard selection opens the palette once it has rested this long

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
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

// Map one boundary of a DOM Range to a code-point offset of the stored text.
function boundaryOffset(node, offset, segs, isEnd) {
  const seg = node.nodeType === Node.TEXT_NODE ? node.parentElement : null;
  if (seg && seg.classList.contains("ccr-seg")) {
    return Number(seg.dataset.start) + unitsToCodePoints(node.data, offset);
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
