() => {
  function parse(value) {
    const match = /^rgba?\(([^)]*)\)$/.exec(value.trim());
    if (!match) return null;
    const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function backdrop(element) {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color && color[3] > 0) { layers.push(color); if (color[3] >= 1) break; }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  }
  function luminance(color) {
    const [r, g, b] = color.slice(0, 3).map(v => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const found = [];
  for (const element of document.querySelectorAll("#qa *")) {
    const ownText = Array.from(element.childNodes)
      .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join("").trim();
    if (!ownText || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const back = backdrop(element);
    const fore = parse(style.color);
    const ratio = fore === null ? 0 : (() => {
      const [l1, l2] = [luminance(over(fore, back)), luminance(back)].sort((a, b) => b - a);
      return (l1 + 0.05) / (l2 + 0.05);
    })();
    found.push({text: ownText.slice(0, 40), ratio: ratio, color: style.color,
                background: "rgb(" + back.slice(0, 3).map(Math.round).join(", ") + ")",
                backgroundLuminance: luminance(back)});
  }
  return found;
}
