// The transcript reader, DOM part 3b: copying a colleague's coding (shown when blind coding is off)
// into your own codings or into the consensus layer, one click each. Python checks who may copy what
// (reader_actions.CopyCoding); these buttons only ask.

// ``c`` is a coding that is not the coder's own; ``data`` the reader's payload; ``send`` posts an action.
function copyButtons(c, data, send) {
  const box = el("div", "ccr-copy");
  const targets = [["own", "Copy to my codings", `Add ${c.coder}'s coding to your own codings`]];
  if (data.copy_to_consensus && c.coder !== data.consensus && data.coder !== data.consensus) {
    targets.push(["consensus", "Copy to consensus", `Settle this passage into the ${data.consensus} layer`]);
  }
  for (const [to, label, title] of targets) {
    const b = el("button", "ccr-btn ccr-edge ccr-copy-" + to, label);
    b.type = "button";
    b.title = title;
    b.addEventListener("click", () => send({ type: "copy", id: c.id, to }));
    box.appendChild(b);
  }
  return box;
}
